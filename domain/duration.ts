/** Durations in configuration are strings like "90s", "15m", "24h", "7d" (and "500ms" for tests). */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^(\d+)(ms|s|m|h|d)$/;

export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new Error(`"${text}" is not a duration; use a whole number with ms, s, m, h or d, like "15m"`);
  }
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (ms <= 0) throw new Error(`"${text}" must be longer than zero`);
  return ms;
}

export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
