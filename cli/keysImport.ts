import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { parse as parseCsv } from 'csv-parse';

export class UsageError extends Error {}

/** The API said no: the batch and what follows are not imported. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ImportOptions {
  sku?: string;
  column?: string;
  batch?: string;
  source: string[];
  env: NodeJS.ProcessEnv;
  out: Writable;
  err: Writable & { isTTY?: boolean };
  /** Standard input, when the source is "-". */
  stdin?: Readable;
}

interface Totals {
  codes: number;
  imported: number;
  duplicates: number;
  rejected: number;
}

/** The API takes at most 10,000 codes a request; a batch of 1,000 keeps each request short. */
const DEFAULT_BATCH = 1000;
const MAX_BATCH = 10_000;
/** Two batches in flight: one being read and sent while the API stores the other. */
const IN_FLIGHT = 2;
/** A busy or restarting API (429, 503, no answer) is asked again, this many times, backing off. */
const RETRIES = 5;

/** `kamiflow keys import`: stream codes from a file or stdin to the API in batches; exit code out. */
export async function importKeysCommand(o: ImportOptions): Promise<number> {
  if (!o.sku) throw new UsageError('--sku is required');
  if (o.source.length !== 1) throw new UsageError('name one file, or "-" for standard input');
  const batchSize = o.batch === undefined ? DEFAULT_BATCH : Number(o.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) throw new UsageError(`--batch must be a whole number from 1 to ${MAX_BATCH}`);
  const apiKey = o.env.KAMIFLOW_API_KEY;
  if (!apiKey) throw new UsageError('KAMIFLOW_API_KEY must hold an admin API key');
  const base = (o.env.KAMIFLOW_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const sku = o.sku;
  const path = `/v1/products/${encodeURIComponent(sku)}`;
  const api = (method: string, p: string, body?: unknown) => call(base, apiKey, method, p, body);

  // Fail before reading anything when the key or the product is wrong.
  await api('GET', path);

  const [file] = o.source;
  const input: Readable = file === '-' ? (o.stdin ?? process.stdin) : createReadStream(file);
  const size = file === '-' ? undefined : statSync(file).size;
  const totals: Totals = { codes: 0, imported: 0, duplicates: 0, rejected: 0 };
  const progress = reporter(o.err, size, totals);
  let bytes = 0;
  input.on('data', (chunk: Buffer | string) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });

  const inFlight = new Set<Promise<void>>();
  let refused: unknown;
  const send = (keys: string[]) => {
    const p = api('POST', `${path}/keys`, { keys })
      .then((r: { imported: number; duplicates: number; rejected: number }) => {
        totals.codes += keys.length;
        totals.imported += r.imported;
        totals.duplicates += r.duplicates;
        totals.rejected += r.rejected;
        progress.update(bytes);
      })
      .catch((err: unknown) => {
        refused ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };

  try {
    let batch: string[] = [];
    for await (const code of codesOf(input, o.column)) {
      if (refused) break;
      batch.push(code);
      if (batch.length === batchSize) {
        send(batch);
        batch = [];
        // Reading waits while the API is busy: the file is never held in memory.
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
    }
    if (batch.length > 0 && !refused) send(batch);
    await Promise.all(inFlight);
  } finally {
    progress.stop(bytes);
    if (file !== '-') input.destroy();
  }
  const line = `imported ${totals.imported} / duplicates ${totals.duplicates} / rejected ${totals.rejected} (${totals.codes} codes sent)\n`;
  o.out.write(line);
  if (refused) {
    o.err.write(`kamiflow: the API refused: ${(refused as Error).message}\n`);
    return 1;
  }
  return 0;
}

/** Codes one per line, or from one column of a CSV with a header row; read as the stream flows. */
async function* codesOf(input: Readable, column?: string): AsyncGenerator<string> {
  if (column === undefined) {
    let rest = '';
    input.setEncoding('utf8');
    for await (const chunk of input as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const code = line.trim();
        if (code) yield code;
      }
    }
    if (rest.trim()) yield rest.trim();
    return;
  }
  const parser = input.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, bom: true }));
  let first = true;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    if (first && !(column in record)) {
      throw new UsageError(`the CSV has no column "${column}" (its columns: ${Object.keys(record).join(', ')})`);
    }
    first = false;
    const code = record[column];
    if (code) yield code;
  }
}

/**
 * One request, asked again while the API is busy or does not answer. A POST goes under one fresh
 * Idempotency-Key for all its attempts: a batch whose answer was lost is answered, when sent again,
 * with what it imported the first time.
 */
async function call(base: string, apiKey: string, method: string, path: string, body?: unknown): Promise<any> {
  const idempotencyKey: Record<string, string> = method === 'POST' ? { 'idempotency-key': randomUUID() } : {};
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let text = '';
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...idempotencyKey },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = res.status;
      text = await res.text();
      if (res.ok) return JSON.parse(text);
    } catch (err) {
      if (attempt >= RETRIES) throw new Refusal(0, `no answer from ${base}: ${(err as Error).message}`);
    }
    const retryable = status === 0 || status === 429 || status === 503;
    if (!retryable || attempt >= RETRIES) throw new Refusal(status, `${method} ${path} answered ${status}: ${messageOf(text)}`);
    await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
  }
}

function messageOf(text: string): string {
  try {
    const { error } = JSON.parse(text);
    const details = (error.details ?? []).map((d: { path: string; reason: string }) => `${d.path}: ${d.reason}`).join('; ');
    return details ? `${error.message} (${details})` : error.message;
  } catch {
    return text.slice(0, 200);
  }
}

/** A bar with rate and ETA on a terminal; plain lines, a few seconds apart, otherwise. */
function reporter(err: ImportOptions['err'], size: number | undefined, totals: Totals) {
  const started = Date.now();
  const rate = () => Math.round(totals.codes / Math.max(0.001, (Date.now() - started) / 1000));
  if (err.isTTY) {
    const bar = new SingleBar(
      {
        format: size
          ? '{bar} {percentage}% | {codes} codes | {rate} codes/s | ETA {eta_formatted} | imported {imported}, duplicates {duplicates}, rejected {rejected}'
          : '{codes} codes | {rate} codes/s | imported {imported}, duplicates {duplicates}, rejected {rejected}',
        stream: err,
        etaBuffer: 50,
        hideCursor: true,
      },
    );
    bar.start(size ?? 0, 0, { ...totals, rate: 0 });
    return {
      update: (bytes: number) => bar.update(size ? bytes : 0, { ...totals, rate: rate() }),
      stop: (bytes: number) => {
        bar.update(size ? bytes : 0, { ...totals, rate: rate() });
        bar.stop();
      },
    };
  }
  let said = started;
  const say = (bytes: number) => {
    const share = size ? ` (${Math.min(100, Math.round((bytes / size) * 100))}%)` : '';
    err.write(`${totals.codes} codes sent${share}, ${rate()} codes/s: imported ${totals.imported}, duplicates ${totals.duplicates}, rejected ${totals.rejected}\n`);
  };
  return {
    update: (bytes: number) => {
      if (Date.now() - said < 2000) return;
      said = Date.now();
      say(bytes);
    },
    stop: say,
  };
}
