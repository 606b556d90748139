import { readFileSync } from 'node:fs';

/** CPU time a process has used so far (user + system), in ms; undefined when it is gone or not on Linux. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces, so split after its closing paren):
    // utime and stime are the 14th and 15th of the line, in clock ticks (100 a second on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU used by each group of processes between start() and stop(), in ms. */
export class CpuWatch {
  private readonly before: Record<string, number | undefined>;

  constructor(private readonly groups: Record<string, (number | undefined)[]>) {
    this.before = this.look();
  }

  stop(): Record<string, number | null> {
    const after = this.look();
    return Object.fromEntries(
      Object.keys(this.groups).map((g) => {
        const [b, a] = [this.before[g], after[g]];
        return [g, a === undefined || b === undefined ? null : a - b];
      }),
    );
  }

  private look(): Record<string, number | undefined> {
    return Object.fromEntries(
      Object.entries(this.groups).map(([g, pids]) => {
        if (g === 'bench') return [g, Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000)];
        const used = pids.map(cpuMsOf);
        return [g, used.some((u) => u === undefined) ? undefined : used.reduce((s: number, u) => s + (u as number), 0)];
      }),
    );
  }
}
