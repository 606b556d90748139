import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProduct, type Product } from '../support/harness';
import { ApiClient, DEV, eventually } from '../support/http';

const run = promisify(execFile);
const README = join(__dirname, '..', '..', 'README.md');
/** Where the walk through expects `npm start`'s API; the test points it at the product it started. */
const API_LINE = 'API=http://127.0.0.1:3000';

/** The README's walk through: the first bash block of its "A walk through with curl" section. */
function walkThrough(): string {
  const section = readFileSync(README, 'utf8')
    .split(/^## /m)
    .find((s) => s.startsWith('A walk through with curl'));
  const script = section && /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!script) throw new Error('README.md has no bash block under "## A walk through with curl"');
  return script;
}

/**
 * The curl walk through a newcomer pastes from the README, run as written (bash, curl, openssl,
 * node) against the product on its development defaults: the dev API keys and webhook secret it
 * names. Only the API's address changes. Every answer it prints must be a success, and the shop must
 * end as the README says it does.
 */
describe("the README's walk through with curl", () => {
  let product: Product;
  beforeAll(async () => {
    // The dev defaults the README relies on: no API_KEYS (the dev keys), the dev webhook secret.
    product = await startProduct({ PAYMENT_WEBHOOK_SECRET: 'dev-webhook-secret' });
  });
  afterAll(() => product?.stop());

  it('runs as written: a paid order with its key, a complaint settled with a new key, a refund', async () => {
    const script = walkThrough();
    expect(script.split('\n')[0]).toBe(API_LINE);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script.replace(API_LINE, `API=${product.api.url}`)], { timeout: 90_000 });

    // Each line is one answer of the API, each one a success (an error answers {"error": {code, message}}).
    const answers = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
    expect(answers.filter((a) => a.error !== undefined)).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(15);

    const agent = new ApiClient(product.api.url).as(DEV.agent);
    const listed = await agent.get('/v1/orders?sku=steam-100');
    expect(listed.status).toBe(200);
    const byEmail = async (email: string) => (await agent.get(`/v1/orders?email=${encodeURIComponent(email)}`)).body.items[0].orderId as string;
    const [first, second] = [await byEmail('alice@example.com'), await byEmail('bob@example.com')];

    // The first order: delivered, its first key replaced by the agent, the complaint closed by the buyer.
    const order = (await agent.get(`/v1/orders/${first}`)).body;
    expect(order.status).toBe('DELIVERED');
    expect(order.keys).toHaveLength(1);
    const complaints = (await agent.get('/v1/complaints?status=CLOSED')).body.items;
    expect(complaints).toEqual([expect.objectContaining({ orderId: first, status: 'CLOSED' })]);
    const complaint = (await agent.get(`/v1/complaints/${complaints[0].complaintId}`)).body;
    expect(complaint).toMatchObject({ status: 'CLOSED', resolution: 'replaced' });
    const keysShown = answers.filter((a) => Array.isArray(a.keys) && a.keys.every((k: { code?: string }) => typeof k.code === 'string'));
    // The buyers were shown three keys, one each time, all different: the first order's, its
    // replacement, the second order's.
    const codes = keysShown.map((a) => a.keys.map((k: { code: string }) => k.code));
    expect(codes.map((c) => c.length)).toEqual([1, 1, 1]);
    expect(new Set(codes.flat()).size).toBe(3);
    for (const code of codes.flat()) expect(code).toMatch(/^STEAM-AAAA-000[1-4]$/);
    expect(order.keys[0].keyId).toBeDefined();

    // The second: refunded once the agent approved, its key revoked.
    await eventually(async () => (await agent.get(`/v1/orders/${second}`)).body.status === 'REFUNDED', 'the second order REFUNDED');
    const stock = (await new ApiClient(product.api.url).as(DEV.admin).get('/v1/products/steam-100')).body.stock;
    expect(stock).toEqual({ available: 1, reserved: 0, delivered: 1, revoked: 1, invalid: 1 });
  });
});
