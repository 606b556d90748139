import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Config } from '../config';
import { NODE_HEAP_FLAGS, NODE_RUNTIME_ENV } from '../config/nodeRuntime';
import { apiPorts, processName, type Deployment } from './deployment';
import { freePort, startChild, stopChild, waitReady, type Managed } from './stack';
import { REPO_ROOT } from './tools';

/** A deployment of several APIs and workers, each its own process on this machine. */
export interface RunningProcesses {
  apiUrls: string[];
  /** Where each process writes its log. */
  logs: Record<string, string>;
  stop(): Promise<void>;
}

const READY_WITHIN_MS = 120_000;

/**
 * Start `deployment.apis` API processes (`api/main.ts` on PORT, PORT + 1, …) and
 * `deployment.workers` worker processes (`worker/main.ts`), with this process's environment (the
 * same Temporal, store and secrets), the shipped heap flags, and logs under <DATA_DIR>/logs.
 * Resolves once every API answers /readyz and every worker has said it runs; on failure, stops
 * what it started.
 */
export async function startProcesses(config: Config, deployment: Deployment, log: (line: string) => void): Promise<RunningProcesses> {
  const logsDir = path.join(config.dataDir, 'logs');
  const started: Managed[] = [];
  const start = (name: string, entry: string, env: Record<string, string>) => {
    const args = [...NODE_HEAP_FLAGS, '--import', 'tsx', path.join(REPO_ROOT, entry)];
    const child = startChild(name, process.execPath, args, logsDir, { ...process.env, MALLOC_ARENA_MAX: NODE_RUNTIME_ENV.MALLOC_ARENA_MAX, ...env }, log);
    started.push(child);
    return child;
  };
  // The children are unref'd (their watchdogs end them if this process dies): this keeps it alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = async () => {
    await Promise.all(started.splice(0).reverse().map(stopChild));
    clearInterval(keepAlive);
  };
  try {
    // PORT 0 asks for free ports: pick them here, so the URLs are known.
    const ports = config.port === 0 ? await Promise.all(Array.from({ length: deployment.apis }, freePort)) : apiPorts(config.port, deployment.apis);
    const apiUrls = ports.map((port) => `http://127.0.0.1:${port}`);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < deployment.workers; i++) {
      const metrics: Record<string, string> = config.workerMetricsPort ? { WORKER_METRICS_PORT: String(config.workerMetricsPort + i) } : {};
      const worker = start(processName('worker', i), 'worker/main.ts', metrics);
      ready.push(waitReady(worker.name, async () => saidSince(worker, 'worker running'), READY_WITHIN_MS, worker, () => false));
    }
    ports.forEach((port, i) => {
      const api = start(processName('api', i), 'api/main.ts', { PORT: String(port) });
      ready.push(waitReady(api.name, () => answersReady(apiUrls[i]), READY_WITHIN_MS, api, () => false));
    });
    await Promise.all(ready);
    return { apiUrls, logs: Object.fromEntries(started.map((m) => [m.name, m.logFile])), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves when the child's log, since this start, holds `line`; rejects until then. */
async function saidSince(child: Managed, line: string): Promise<void> {
  const text = (await readFile(child.logFile, 'utf8')).slice(child.logOffset);
  if (!text.includes(line)) throw new Error(`has not said "${line}" yet`);
}

async function answersReady(url: string): Promise<void> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
  if (res.status !== 200) throw new Error(`/readyz answered ${res.status}`);
}
