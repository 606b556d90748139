/**
 * Local stack launcher: Temporal dev server (temporal CLI, SQLite), FerretDB (MongoDB wire
 * protocol, SQLite) and, when asked, Mailpit (SMTP and a web inbox) from .tools/, for the dev command
 * and for jest's global setup.
 *
 *   const stack = await startStack({ temporalPort: await freePort(), mongoPort: await freePort(), uiPort: 0, dataDir });
 *   ... stack.temporalAddress, stack.mongoUri ...
 *   await stack.stop();
 *
 * Run directly (`tsx scripts/stack.ts`) it starts the dev stack on the default ports, reusing
 * whatever already answers there, and stops what it started on Ctrl-C.
 *
 * - TEMPORAL_ADDRESS / MONGODB_URI set in the environment: that service is used, nothing is started.
 * - Nothing here talks to anything but 127.0.0.1: the dev server's version check and the UI's news
 *   feed are switched off; FerretDB runs embedded, which turns its telemetry off.
 * - SMTP_URL set: no Mailpit is started (buyer emails go there).
 * - Children write to <dataDir>/logs/{temporal,ferretdb,mailpit}.log; stop() ends only what this call started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import mongoose from 'mongoose';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../domain/searchAttributes';
import { REPO_ROOT, assertToolsInstalled, toolPaths } from './tools';

export interface StackOptions {
  /** Temporal frontend gRPC port (default 7233). */
  temporalPort?: number;
  /** Temporal Web UI port (default 8233); 0 runs the dev server headless. */
  uiPort?: number;
  /** FerretDB port (default 27017). */
  mongoPort?: number;
  /** Where the SQLite files and logs go (default <repo>/.data). */
  dataDir?: string;
  /** Use a server that already answers on a port instead of failing (default false). */
  reuse?: boolean;
  /**
   * Run a local Mailpit for buyer emails (SMTP and its web inbox and API; default ports 1025 and
   * 8025). Not started when SMTP_URL is set, nor when this is absent.
   */
  mail?: { smtpPort?: number; httpPort?: number };
  log?: (msg: string) => void;
}

export interface Stack {
  temporalAddress: string;
  /** The Temporal namespace checked and prepared (TEMPORAL_NAMESPACE or 'default'). */
  namespace: string;
  mongoUri: string;
  uiUrl?: string;
  /** Where buyer emails go (a Mailpit this call started or reused); absent when SMTP_URL is set or no mail was asked for. */
  smtpUrl?: string;
  /** Mailpit's web inbox, and its API under /api/v1 (tests read the emails there). */
  mailUrl?: string;
  /** Process ids of the servers this call started (`temporal`, `ferretdb`), e.g. to read their memory. */
  pids: Record<string, number>;
  /** The servers this call started, which restart() can stop and start again. */
  restartable: string[];
  /**
   * Stop one of them (SIGTERM, SIGKILL after 10 s) and start it again on the same port and data, as
   * a deploy or a crash of that server would; resolves once it answers again.
   */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Search attributes the workflows set; registered as Keyword. */
export const SEARCH_ATTRIBUTES: readonly string[] = CUSTOM_SEARCH_ATTRIBUTES.map((key) => key.name);
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const REUSE_READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 10_000;
const POLL_MS = 200;

/**
 * A port that was free a moment ago, for a server started a little later. Not one the kernel would
 * hand out for listen(0): those come from the ephemeral range, the same range every outgoing
 * connection on the machine takes its local port from, and on a busy machine (the tests' own
 * clients, other people's runs) one of them had taken the port by the time the server bound it
 * ("address already in use"). A random port below that range is taken only by a server choosing it.
 */
export async function freePort(): Promise<number> {
  const [from, to] = portsBelowEphemeral();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    // Never the same one twice in a process: ports asked for together are all free at once.
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${from} and ${to}`);
}

const handedOut = new Set<number>();

/** Where freePort looks: from 10000 up to the kernel's ephemeral range (32768 unless it says otherwise). */
function portsBelowEphemeral(): [number, number] {
  let low = 32768;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152, so 32768 is below it too.
  }
  // A kernel whose ephemeral range starts that low leaves no room below it: any port, as before.
  return low > 12000 ? [10000, low - 1] : [10000, 65535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** True if something accepts a TCP connection on host:port. */
export function portAnswers(port: number, host = HOST, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** A child process this module started: its log file, and how it ended once it has. */
export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  logOffset: number;
  exited: Promise<void>;
  exitInfo?: string;
  stopping: boolean;
  watchdog?: ChildProcess;
}

const live = new Set<Managed>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Normal exit: end children synchronously. Death by signal is covered by each child's watchdog.
  process.on('exit', () => {
    for (const m of live) {
      try {
        m.child.kill('SIGTERM');
      } catch {
        /* already gone */
      }
    }
  });
}

/**
 * A tiny shell loop that ends the child if this process dies without cleaning up (SIGKILL, a
 * signal with no handler): it polls both pids, then sends SIGTERM and, 10 s later, SIGKILL.
 */
function spawnWatchdog(childPid: number): ChildProcess | undefined {
  const script = [
    'p=$1; c=$2',
    'while kill -0 "$p" 2>/dev/null && kill -0 "$c" 2>/dev/null; do sleep 1; done',
    'if kill -0 "$c" 2>/dev/null; then',
    '  kill -TERM "$c" 2>/dev/null; i=0',
    '  while [ $i -lt 10 ] && kill -0 "$c" 2>/dev/null; do sleep 1; i=$((i+1)); done',
    '  kill -KILL "$c" 2>/dev/null',
    'fi',
  ].join('\n');
  try {
    const wd = spawn('/bin/sh', ['-c', script, 'kamiflow-watchdog', String(process.pid), String(childPid)], {
      stdio: 'ignore',
      detached: true,
    });
    wd.on('error', () => undefined);
    wd.unref();
    return wd;
  } catch {
    return undefined;
  }
}

/** Start a child process whose output goes to <logsDir>/<name>.log; ended with this process. */
export function startChild(
  name: string,
  command: string,
  args: string[],
  logsDir: string,
  env: NodeJS.ProcessEnv,
  log: (msg: string) => void,
): Managed {
  fs.mkdirSync(logsDir, { recursive: true });
  const logFile = path.join(logsDir, `${name}.log`);
  const logOffset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const fd = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    fs.writeSync(fd, `\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    child = spawn(command, args, { stdio: ['ignore', fd, fd], env, cwd: REPO_ROOT });
  } finally {
    fs.closeSync(fd);
  }
  const managed: Managed = {
    name,
    child,
    logFile,
    logOffset,
    stopping: false,
    exited: undefined as unknown as Promise<void>,
  };
  managed.exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      managed.exitInfo ??= `failed to start: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      managed.exitInfo ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
      live.delete(managed);
      if (!managed.stopping) log(`${name} ${managed.exitInfo} (log: ${logFile})`);
      resolve();
    });
  });
  child.unref();
  live.add(managed);
  installExitHook();
  if (child.pid) managed.watchdog = spawnWatchdog(child.pid);
  log(`${name}: started pid ${child.pid ?? '?'} (log: ${logFile})`);
  return managed;
}

/** SIGTERM, SIGKILL after 10 s; resolves once it has exited. */
export async function stopChild(m: Managed): Promise<void> {
  m.stopping = true;
  if (m.exitInfo === undefined) {
    m.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      m.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (timedOut && m.exitInfo === undefined) {
      m.child.kill('SIGKILL');
    }
    await m.exited;
  }
  live.delete(m);
  if (m.watchdog && m.watchdog.exitCode === null && m.watchdog.signalCode === null) {
    try {
      m.watchdog.kill('SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

export function logTail(m: Managed, maxLines = 40): string {
  try {
    const text = fs.readFileSync(m.logFile, 'utf8').slice(m.logOffset);
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-maxLines).join('\n');
  } catch {
    return '(no log output)';
  }
}

// ---------------------------------------------------------------------------------------------
// Probes

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function withTemporal<T>(address: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    return await conn.withDeadline(Date.now() + 5000, () => fn(conn));
  } finally {
    await conn.close();
  }
}

async function probeTemporal(address: string, namespace: string): Promise<void> {
  await withTemporal(address, async (conn) => {
    await conn.workflowService.getSystemInfo({});
    await conn.workflowService.describeNamespace({ namespace });
  });
}

async function ensureSearchAttributes(address: string, namespace: string, log: (msg: string) => void): Promise<void> {
  await withTemporal(address, async (conn) => {
    const res = await conn.operatorService.listSearchAttributes({ namespace });
    const existing = res.customAttributes ?? {};
    const missing = SEARCH_ATTRIBUTES.filter((name) => !(name in existing));
    for (const name of SEARCH_ATTRIBUTES) {
      if (name in existing && existing[name] !== INDEXED_VALUE_TYPE_KEYWORD) {
        log(`Temporal: warning: search attribute ${name} exists but is not Keyword (type ${existing[name]})`);
      }
    }
    if (missing.length > 0) {
      await conn.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD])),
      });
      log(`Temporal: registered search attributes ${missing.join(', ')} (Keyword)`);
    }
  });
}

async function probeMailpit(httpUrl: string): Promise<void> {
  const res = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`Mailpit answered ${res.status}`);
}

async function probeMongo(uri: string): Promise<void> {
  const client = new mongoose.mongo.MongoClient(uri, {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close(true);
  }
}

/** Polls probe() until it succeeds; fails at the deadline, or at once if the child exits. */
export async function waitReady(
  what: string,
  probe: () => Promise<void>,
  timeoutMs: number,
  managed: Managed | undefined,
  aborted: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    if (managed?.exitInfo !== undefined) {
      throw new Error(`${what} ${managed.exitInfo} before it was ready. Last output (${managed.logFile}):\n${logTail(managed)}`);
    }
    if (aborted()) throw new Error(`${what}: start aborted`);
    try {
      // a child that dies mid-probe ends the wait at once instead of after the probe's own timeout
      await (managed ? Promise.race([probe(), managed.exited.then(() => Promise.reject(new Error('exited')))]) : probe());
      return;
    } catch (err) {
      if (managed?.exitInfo !== undefined) continue;
      lastError = errorText(err);
    }
    if (Date.now() >= deadline) {
      const tail = managed ? `\nLast output (${managed.logFile}):\n${logTail(managed)}` : '';
      throw new Error(`${what} was not ready within ${Math.round(timeoutMs / 1000)} s: ${lastError}${tail}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// ---------------------------------------------------------------------------------------------

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? (() => undefined);
  const reuse = opts.reuse ?? false;
  const dataDir = path.resolve(opts.dataDir ?? path.join(REPO_ROOT, '.data'));
  const logsDir = path.join(dataDir, 'logs');
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const externalTemporal = process.env.TEMPORAL_ADDRESS || undefined;
  const externalMongo = process.env.MONGODB_URI || undefined;

  const started: Managed[] = [];
  /** How to start each server again and tell when it answers (restart()). */
  const relaunch = new Map<string, { start: () => Managed; probe: () => Promise<void> }>();
  let abort = false;
  const stopStarted = async () => {
    await Promise.all(started.splice(0).reverse().map(stopChild));
  };

  try {
    // --- Temporal ---------------------------------------------------------------------------
    let temporalAddress: string;
    let uiUrl: string | undefined;
    let temporalReady: () => Promise<void>;

    if (externalTemporal) {
      temporalAddress = externalTemporal;
      log(`Temporal: using TEMPORAL_ADDRESS=${temporalAddress}`);
      temporalReady = () =>
        waitReady(`Temporal at ${temporalAddress}`, () => probeTemporal(temporalAddress, namespace), READY_TIMEOUT_MS, undefined, () => abort);
    } else {
      const port = opts.temporalPort ?? 7233;
      const uiPort = opts.uiPort ?? 8233;
      temporalAddress = `${HOST}:${port}`;
      if (await portAnswers(port)) {
        if (!reuse) {
          throw new Error(`Port ${port} is already in use; stop what runs there, pick another temporalPort, or pass reuse: true.`);
        }
        log(`Temporal: reusing the server on ${temporalAddress}`);
        if (uiPort !== 0 && (await portAnswers(uiPort))) uiUrl = `http://${HOST}:${uiPort}`;
        temporalReady = () =>
          waitReady(
            `Temporal on ${temporalAddress} (already running, reused)`,
            () => probeTemporal(temporalAddress, namespace),
            REUSE_READY_TIMEOUT_MS,
            undefined,
            () => abort,
          );
      } else {
        if (uiPort !== 0 && (await portAnswers(uiPort))) {
          throw new Error(`Temporal UI port ${uiPort} is already in use; pick another uiPort (0 = no UI).`);
        }
        assertToolsInstalled(['temporal']);
        fs.mkdirSync(dataDir, { recursive: true });
        const args = [
          'server',
          'start-dev',
          '--ip',
          HOST,
          '--port',
          String(port),
          '--db-filename',
          path.join(dataDir, 'temporal.sqlite'),
          '--namespace',
          namespace,
          '--log-level',
          'warn',
          // no calls home: the frontend's periodic version check is on by default
          '--dynamic-config-value',
          'frontend.enableServerVersionCheck=false',
          ...SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
          ...(uiPort === 0 ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-disable-news-fetch']),
        ];
        const env = { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' };
        const start = () => startChild('temporal', toolPaths.temporal, args, logsDir, env, log);
        const m = start();
        started.push(m);
        relaunch.set('temporal', { start, probe: () => probeTemporal(temporalAddress, namespace) });
        if (uiPort !== 0) uiUrl = `http://${HOST}:${uiPort}`;
        temporalReady = () =>
          waitReady(`Temporal dev server on ${temporalAddress}`, () => probeTemporal(temporalAddress, namespace), READY_TIMEOUT_MS, m, () => abort);
      }
    }

    // --- Store ------------------------------------------------------------------------------
    let mongoUri: string;
    let mongoReady: () => Promise<void>;

    if (externalMongo) {
      mongoUri = externalMongo;
      log(`Store: using MONGODB_URI`);
      mongoReady = () => waitReady('MongoDB at MONGODB_URI', () => probeMongo(mongoUri), READY_TIMEOUT_MS, undefined, () => abort);
    } else {
      const port = opts.mongoPort ?? 27017;
      mongoUri = `mongodb://${HOST}:${port}/kamiflow`;
      if (await portAnswers(port)) {
        if (!reuse) {
          throw new Error(`Port ${port} is already in use; stop what runs there, pick another mongoPort, or pass reuse: true.`);
        }
        log(`Store: reusing the server on ${HOST}:${port}`);
        mongoReady = () =>
          waitReady(`MongoDB-compatible store on ${HOST}:${port} (already running, reused)`, () => probeMongo(mongoUri), REUSE_READY_TIMEOUT_MS, undefined, () => abort);
      } else {
        assertToolsInstalled(['ferretdb']);
        const args = ['-listen', `${HOST}:${port}`, '-data', path.join(dataDir, 'ferretdb')];
        const start = () => startChild('ferretdb', toolPaths.ferretdb, args, logsDir, { ...process.env }, log);
        const m = start();
        started.push(m);
        relaunch.set('ferretdb', { start, probe: () => probeMongo(mongoUri) });
        mongoReady = () => waitReady(`FerretDB on ${HOST}:${port}`, () => probeMongo(mongoUri), READY_TIMEOUT_MS, m, () => abort);
      }
    }

    // --- Mail ---------------------------------------------------------------------------------
    let smtpUrl: string | undefined;
    let mailUrl: string | undefined;
    let mailReady: () => Promise<void> = async () => undefined;
    if (opts.mail && process.env.SMTP_URL) {
      log('Mail: using SMTP_URL');
    } else if (opts.mail) {
      const smtpPort = opts.mail.smtpPort ?? 1025;
      const httpPort = opts.mail.httpPort ?? 8025;
      const httpUrl = `http://${HOST}:${httpPort}`;
      smtpUrl = `smtp://${HOST}:${smtpPort}`;
      mailUrl = httpUrl;
      const smtpAnswers = await portAnswers(smtpPort);
      if (smtpAnswers || (await portAnswers(httpPort))) {
        if (!reuse || !smtpAnswers) {
          throw new Error(`Port ${smtpAnswers ? smtpPort : httpPort} is already in use; stop what runs there, or set SMTP_URL to a mail server of your own.`);
        }
        log(`Mail: reusing the SMTP server on ${HOST}:${smtpPort}`);
        mailReady = () => waitReady(`Mailpit on ${httpUrl} (already running, reused)`, () => probeMailpit(httpUrl), REUSE_READY_TIMEOUT_MS, undefined, () => abort);
      } else {
        assertToolsInstalled(['mailpit']);
        fs.mkdirSync(dataDir, { recursive: true });
        const args = [
          '--smtp', `${HOST}:${smtpPort}`,
          '--listen', `${HOST}:${httpPort}`,
          '--database', path.join(dataDir, 'mailpit.db'),
          // no calls home, and no DNS lookups of whoever connects
          '--disable-version-check',
          '--smtp-disable-rdns',
        ];
        const start = () => startChild('mailpit', toolPaths.mailpit, args, logsDir, { ...process.env }, log);
        const m = start();
        started.push(m);
        relaunch.set('mailpit', { start, probe: () => probeMailpit(httpUrl) });
        mailReady = () => waitReady(`Mailpit on ${httpUrl}`, () => probeMailpit(httpUrl), READY_TIMEOUT_MS, m, () => abort);
      }
    }

    // --- Wait for all of them --------------------------------------------------------------------
    const t0 = Date.now();
    await Promise.all([
      mailReady().then(() => mailUrl && log(`Mail: ready after ${Date.now() - t0} ms (inbox ${mailUrl})`)),
      temporalReady().then(async () => {
        await ensureSearchAttributes(temporalAddress, namespace, log);
        log(`Temporal: ready on ${temporalAddress} after ${Date.now() - t0} ms${uiUrl ? ` (UI ${uiUrl})` : ''}`);
      }),
      mongoReady().then(() => log(`Store: ready after ${Date.now() - t0} ms`)),
    ]).catch((err) => {
      abort = true;
      throw err;
    });

    const mine = [...started];
    const pids: Record<string, number> = Object.fromEntries(mine.filter((m) => m.child.pid !== undefined).map((m) => [m.name, m.child.pid as number]));
    let stopping: Promise<void> | undefined;
    return {
      temporalAddress,
      namespace,
      mongoUri,
      uiUrl,
      smtpUrl,
      mailUrl,
      pids,
      restartable: mine.map((m) => m.name),
      restart: async (name) => {
        const at = mine.findIndex((m) => m.name === name);
        const again = relaunch.get(name);
        if (at < 0 || !again) throw new Error(`${name} was not started by this stack`);
        await stopChild(mine[at]);
        const m = again.start();
        mine[at] = m;
        if (m.child.pid !== undefined) pids[name] = m.child.pid;
        await waitReady(`${name} (restarted)`, again.probe, READY_TIMEOUT_MS, m, () => false);
      },
      stop: () => {
        stopping ??= Promise.all(mine.reverse().map(stopChild)).then(() => {
          if (mine.length > 0) log(`stopped ${mine.map((m) => m.name).join(', ')}`);
        });
        return stopping;
      },
    };
  } catch (err) {
    abort = true;
    await stopStarted();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// `tsx scripts/stack.ts`: the dev stack in the foreground, reusing what already runs.

function intEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const log = (msg: string) => console.log(`[stack] ${msg}`);
  const t0 = Date.now();
  const stack = await startStack({
    temporalPort: intEnv('TEMPORAL_PORT'),
    uiPort: intEnv('TEMPORAL_UI_PORT'),
    mongoPort: intEnv('MONGO_PORT'),
    mail: { smtpPort: intEnv('SMTP_PORT'), httpPort: intEnv('MAIL_UI_PORT') },
    dataDir: process.env.DATA_DIR || undefined,
    reuse: true,
    log,
  });
  log(`up in ${Date.now() - t0} ms`);
  log(`TEMPORAL_ADDRESS=${stack.temporalAddress}`);
  log(`MONGODB_URI=${stack.mongoUri}`);
  if (stack.uiUrl) log(`Temporal UI: ${stack.uiUrl}`);
  if (stack.smtpUrl) log(`SMTP_URL=${stack.smtpUrl}  (inbox: ${stack.mailUrl})`);
  log('Ctrl-C to stop');
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    stack.stop().then(
      () => {
        clearInterval(keepAlive);
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[stack] ${errorText(err)}`);
    process.exit(1);
  });
}
