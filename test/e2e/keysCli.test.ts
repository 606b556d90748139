import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { FakeServer } from '../support/fakeServer';
import { DEV } from '../support/http';
import { productWithShop, type Shop } from '../support/orders';

const BIN = join(__dirname, '..', '..', 'bin', 'kamiflow.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a shop owner runs it: its own process, talking to the running API over HTTP. */
function kamiflow(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * `npx kamiflow keys import`: a 100,000-line file streamed to the API in batches, a CSV column,
 * standard input, and a non-zero exit whenever the API refuses.
 */
describe('kamiflow keys import', () => {
  const ctx = productWithShop();
  let shop: Shop;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-cli-'));
  beforeAll(() => {
    ({ shop } = ctx);
    env = { KAMIFLOW_URL: shop.http.baseUrl, KAMIFLOW_API_KEY: DEV.admin };
  });

  it('imports a 100,000-line file in batches, with progress lines and totals', async () => {
    await shop.product('cli-bulk', { keyPattern: '^BULK-' });
    const file = join(dir, 'bulk.txt');
    const out = createWriteStream(file);
    const run = randomBytes(4).toString('hex');
    for (let i = 0; i < 100_000; i++) {
      if (!out.write(`BULK-${run}-${String(i).padStart(6, '0')}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');

    const started = Date.now();
    const result = await kamiflow(['keys', 'import', '--sku', 'cli-bulk', file], env);
    const seconds = (Date.now() - started) / 1000;
    expect(result.stderr).not.toContain('refused');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('imported 100000 / duplicates 0 / rejected 0 (100000 codes sent)\n');
    // Not a terminal: plain progress lines with the rate, ending at 100%.
    expect(result.stderr).toMatch(/100000 codes sent \(100%\), \d+ codes\/s/);
    expect(await shop.stock('cli-bulk')).toMatchObject({ available: 100_000 });
    process.stdout.write(`keys import: 100,000 codes in ${seconds.toFixed(1)} s (${Math.round(100_000 / seconds)} codes/s)\n`);
  }, 600_000);

  it('takes one column of a CSV, from a file or standard input, counting duplicates and rejected codes', async () => {
    await shop.product('cli-csv', { keyPattern: '^CSV-' });
    const run = randomBytes(4).toString('hex');
    const csv = ['serial,code,note', `1,CSV-${run}-1,first`, `2,"CSV-${run}-2","with, comma"`, `3,CSV-${run}-1,again`, `4,nope-${run},bad`, ''].join('\n');
    const file = join(dir, 'codes.csv');
    writeFileSync(file, csv);
    const fromFile = await kamiflow(['keys', 'import', '--sku', 'cli-csv', '--column', 'code', file], env);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe('imported 2 / duplicates 1 / rejected 1 (4 codes sent)\n');

    const piped = await kamiflow(['keys', 'import', '--sku', 'cli-csv', '-'], env, `CSV-${run}-3\n\nCSV-${run}-2\r\nCSV-${run}-4`);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe('imported 2 / duplicates 1 / rejected 0 (3 codes sent)\n');
    expect(await shop.stock('cli-csv')).toMatchObject({ available: 4 });

    const noColumn = await kamiflow(['keys', 'import', '--sku', 'cli-csv', '--column', 'serial_no', file], env);
    expect(noColumn.code).toBe(2);
    expect(noColumn.stderr).toContain('no column "serial_no"');
  });

  it('sends each batch under its own Idempotency-Key: a batch whose answer was lost counts as imported, not duplicates', async () => {
    await shop.product('cli-retry', { keyPattern: '^RETRY-' });
    const run = randomBytes(4).toString('hex');
    const file = join(dir, 'retry.txt');
    writeFileSync(file, Array.from({ length: 5 }, (_, i) => `RETRY-${run}-${i}`).join('\n'));
    // Between the CLI and the API: the first batch reaches the API, but its answer is lost (a 503 instead).
    const keys: (string | undefined)[] = [];
    let lost = false;
    const between = await new FakeServer(async (req) => {
      const key = req.headers['idempotency-key'] as string | undefined;
      const forwarded = await fetch(`${shop.http.baseUrl}${req.path}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization as string, ...(req.raw ? { 'content-type': 'application/json' } : {}), ...(key ? { 'idempotency-key': key } : {}) },
        body: req.raw || undefined,
      });
      const text = await forwarded.text();
      if (req.method !== 'POST') return { status: forwarded.status, text };
      keys.push(key);
      if (lost) return { status: forwarded.status, text };
      lost = true;
      return { status: 503, body: { error: { code: 'unavailable', message: 'the answer was lost', details: [] } } };
    }).start();
    try {
      const result = await kamiflow(['keys', 'import', '--sku', 'cli-retry', '--batch', '3', file], { ...env, KAMIFLOW_URL: between.url });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('imported 5 / duplicates 0 / rejected 0 (5 codes sent)\n');
    } finally {
      await between.stop();
    }
    // Two batches (sent two at a time), each under a key of its own; the lost one sent twice under its key.
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(2);
    expect(keys.filter((k) => k === keys[0])).toHaveLength(2);
    expect(await shop.stock('cli-retry')).toMatchObject({ available: 5 });
  });

  it('exits non-zero, saying why, when the API refuses or the command is wrong', async () => {
    const file = join(dir, 'few.txt');
    writeFileSync(file, 'KEY-1\nKEY-2\n');
    const unknown = await kamiflow(['keys', 'import', '--sku', 'no-such-product', file], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('404');
    expect(unknown.stderr).toContain('no-such-product');

    await shop.product('cli-refused');
    const wrongKey = await kamiflow(['keys', 'import', '--sku', 'cli-refused', file], { ...env, KAMIFLOW_API_KEY: 'not-the-admin-key' });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('401');
    const notAdmin = await kamiflow(['keys', 'import', '--sku', 'cli-refused', file], { ...env, KAMIFLOW_API_KEY: DEV.agent });
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain('403');
    expect(await shop.stock('cli-refused')).toMatchObject({ available: 0 });

    const noSku = await kamiflow(['keys', 'import', file], env);
    expect(noSku.code).toBe(2);
    expect(noSku.stderr).toContain('--sku is required');
  });
});
