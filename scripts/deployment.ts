/**
 * How many API and worker processes a run starts: `--apis N --workers M`, taken alike by
 * `npm start`, the bench and the soak. N APIs listen on PORT, PORT + 1, …; every process uses the
 * same Temporal server, namespace, task queue and store, as a deployment of several machines does.
 */
export interface Deployment {
  apis: number;
  workers: number;
}

export const ONE_OF_EACH: Deployment = { apis: 1, workers: 1 };

/** More than this on one machine is a mistake (each process takes some 150–300 MB), not a plan. */
export const MAX_PROCESSES_OF_A_KIND = 16;

/** The flags for node:util parseArgs. */
export const DEPLOYMENT_FLAGS = {
  apis: { type: 'string' },
  workers: { type: 'string' },
} as const;

export const DEPLOYMENT_USAGE = `[--apis N] [--workers M]   (1 to ${MAX_PROCESSES_OF_A_KIND} of each)`;

/** The deployment the flags ask for; throws naming the flag and why when a value is not 1..16. */
export function deploymentOf(values: { apis?: string; workers?: string }, fallback: Deployment = ONE_OF_EACH): Deployment {
  return { apis: count('apis', values.apis, fallback.apis), workers: count('workers', values.workers, fallback.workers) };
}

function count(flag: keyof Deployment, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > MAX_PROCESSES_OF_A_KIND) {
    throw new Error(`--${flag} must be a whole number from 1 to ${MAX_PROCESSES_OF_A_KIND}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * The APIs' ports: PORT, PORT + 1, …; all 0 (each its own free port) when PORT is 0. Throws when the
 * last would pass 65535.
 */
export function apiPorts(port: number, apis: number): number[] {
  if (port === 0) return new Array<number>(apis).fill(0);
  if (port + apis - 1 > 65535) throw new Error(`--apis ${apis} from PORT ${port} would need ports up to ${port + apis - 1}; the last port is 65535`);
  return Array.from({ length: apis }, (_, i) => port + i);
}

/** `api`, `api-2`, … and `worker`, `worker-2`, …: one process of a kind keeps the plain name. */
export function processName(kind: 'api' | 'worker', index: number): string {
  return index === 0 ? kind : `${kind}-${index + 1}`;
}
