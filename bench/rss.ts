import { readFileSync } from 'node:fs';

/** Resident memory of a process in bytes (VmRSS), or undefined when it is gone or not on Linux. */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The highest memory seen of each group of processes (a group's processes summed at each look). */
export class RssWatch {
  private readonly max = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly groups: () => Record<string, (number | undefined)[]>) {}

  start(everyMs = 250): this {
    this.look();
    this.timer = setInterval(() => this.look(), everyMs);
    return this;
  }

  /** Stops watching; answers the maxima in bytes (undefined for a group never seen). */
  stop(): Record<string, number | undefined> {
    if (this.timer) clearInterval(this.timer);
    this.look();
    return Object.fromEntries(Object.keys(this.groups()).map((g) => [g, this.max.get(g)]));
  }

  private look(): void {
    for (const [group, pids] of Object.entries(this.groups())) {
      const sizes = pids.map(rssOf);
      if (sizes.some((s) => s === undefined)) continue;
      const total = sizes.reduce((a: number, b) => a + (b as number), 0);
      this.max.set(group, Math.max(this.max.get(group) ?? 0, total));
    }
  }
}
