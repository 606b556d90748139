import { readFileSync } from 'node:fs';
import type { CommandTime } from '../db/commandProfile';

function read(file: string): Map<string, CommandTime> {
  try {
    return new Map((JSON.parse(readFileSync(file, 'utf8')) as CommandTime[]).map((c) => [c.command, c]));
  } catch {
    return new Map();
  }
}

/** The store commands of some product processes (their STORE_PROFILE_FILEs) between two looks. */
export class StoreProfileWatch {
  private readonly before: Map<string, CommandTime>[];

  constructor(private readonly files: string[]) {
    this.before = files.map(read);
  }

  /** The kinds of command run since the watch began, most total time first: per order, and the slowest. */
  stop(orders: number, top = 20): { command: string; perOrder: number; meanMs: number }[] {
    const spent = new Map<string, { count: number; totalMs: number }>();
    this.files.forEach((file, i) => {
      for (const [command, now] of read(file)) {
        const then = this.before[i].get(command);
        const count = now.count - (then?.count ?? 0);
        if (count <= 0) continue;
        const s = spent.get(command) ?? { count: 0, totalMs: 0 };
        s.count += count;
        s.totalMs += now.totalMs - (then?.totalMs ?? 0);
        spent.set(command, s);
      }
    });
    return [...spent.entries()]
      .sort((a, b) => b[1].totalMs - a[1].totalMs)
      .slice(0, top)
      .map(([command, s]) => ({ command, perOrder: Math.round((s.count / Math.max(1, orders)) * 10) / 10, meanMs: Math.round((s.totalMs / s.count) * 10) / 10 }));
  }
}
