import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack';
import { REPO_ROOT, toolPaths } from '../../scripts/tools';

/** A product process of its own (worker), so a test can kill it the way a crash would. */
export class ChildProduct {
  private child?: ChildProcess;
  output = '';

  constructor(
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly readyLine: string,
    private readonly args: string[] = [],
  ) {}

  async start(timeoutMs = 60_000): Promise<void> {
    // One process (node with tsx's loader), so a kill reaches the product itself and not a wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry, ...this.args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.entry} not ready in ${timeoutMs} ms:\n${this.output.slice(-2000)}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes(this.readyLine)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.entry} exited with ${code}:\n${this.output.slice(-2000)}`));
      });
    });
  }

  /** SIGKILL: no graceful shutdown, no goodbye to Temporal. */
  async kill(): Promise<void> {
    await signalAndWait(this.child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) await this.kill();
  }
}

/** Send a child process a signal and wait until it has exited (at once if it already has). */
export async function signalAndWait(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export function workerProcess(env: Record<string, string>): ChildProduct {
  return new ChildProduct('worker/main.ts', env, 'worker running');
}

/** A FerretDB of the test's own, on its own port and data, to stop and start under the product. */
export class OwnStore {
  private child?: ChildProcess;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'kamiflow-ferret-'));
  port = 0;

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/kamiflow`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    const child = spawn(toolPaths.ferretdb, ['-listen', `127.0.0.1:${this.port}`, '-data', this.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`ferretdb exited with ${code}: ${out}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Run one of the project's scripts (`scripts/bench.ts`) with tsx to its end; its output, both streams. */
export function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}
