/** Workflow time: deterministic, and skipped by the time-skipping test server. */
export function now(): string {
  return new Date(Date.now()).toISOString();
}

export function after(startIso: string, ms: number): string {
  return new Date(Date.parse(startIso) + ms).toISOString();
}

export function msUntil(iso: string): number {
  return Math.max(0, Date.parse(iso) - Date.now());
}
