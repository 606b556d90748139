import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NODE_HEAP_FLAGS, NODE_RUNTIME_ENV } from '../config/nodeRuntime';
import { REPO_ROOT } from '../scripts/tools';

/** How long a supervisor waits before starting a process that exited again. */
const SUPERVISOR_PAUSE_MS = 1_000;

/** The process ended before it said it was ready (not merely slow to say so). */
export class ExitedBeforeReady extends Error {}

/**
 * A product process (API, worker, ceiling worker) started by the benchmark from the compiled
 * JavaScript, as it ships: one node process with the shipped heap flags and malloc arenas
 * (config/nodeRuntime.ts), so its pid is the product's own and its memory can be read from /proc.
 * Output goes to <logsDir>/<name>.log.
 */
export class BenchChild {
  private child?: ChildProcess;
  private exitInfo?: string;
  readonly logFile: string;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    logsDir: string,
  ) {
    this.logFile = join(logsDir, `${name}.log`);
  }

  get pid(): number | undefined {
    return this.exitInfo === undefined ? this.child?.pid : undefined;
  }

  /** Start, then wait until `ready()` says yes; fails early if the process exits. */
  async start(ready: (log: string) => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
    mkdirSync(dirname(this.logFile), { recursive: true });
    // Started again after a kill (the soak does): this run's exit is its own.
    this.exitInfo = undefined;
    const fd = openSync(this.logFile, 'a');
    try {
      // The flags on the command line, so a NODE_OPTIONS of the caller's (a profiler's --require) still applies.
      // BENCH_CPU_PROF=<dir>: each process writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
      const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, this.name)}`] : [];
      this.child = spawn(process.execPath, [...NODE_HEAP_FLAGS, ...profile, this.entry], {
        cwd: REPO_ROOT,
        env: { ...process.env, MALLOC_ARENA_MAX: NODE_RUNTIME_ENV.MALLOC_ARENA_MAX, ...this.env },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.child.once('exit', (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo !== undefined) throw new ExitedBeforeReady(`${this.name} ${this.exitInfo} before it was ready:\n${this.tail()}`);
      if (await Promise.resolve().then(() => ready(this.log())).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Start as its supervisor does in production (docker-compose.yml: `restart: unless-stopped`): a
   * process that exits while starting (the Temporal server or the store it connects to is itself
   * restarting) is started again after a pause, up to `attempts` times. `ready` is made afresh for
   * each attempt (a log appended to across lives is read from where the attempt began). Answers how
   * many times it was started again.
   */
  async startSupervised(ready: () => (log: string) => Promise<boolean> | boolean, attempts = 10): Promise<number> {
    for (let restarts = 0; ; restarts++) {
      try {
        await this.start(ready());
        return restarts;
      } catch (err) {
        if (!(err instanceof ExitedBeforeReady) || restarts + 1 >= attempts) throw err;
        await new Promise((r) => setTimeout(r, SUPERVISOR_PAUSE_MS));
      }
    }
  }

  /** SIGTERM (the product's graceful shutdown), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo !== undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL: no graceful shutdown, as a crash or an OOM kill ends it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo !== undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private tail(lines = 30): string {
    return this.log().split('\n').slice(-lines).join('\n');
  }
}
