import { ApiClient, DEV, eventually } from '../support/http';
import { FakeServer } from '../support/fakeServer';
import { capturedLogs, startProduct, type Product } from '../support/harness';
import { historyText } from '../support/history';

/**
 * A storefront, a payment provider, a supplier and a buyer, through HTTP, against the real
 * Temporal dev server, the worker and the store: one order from creation to a delivered key.
 */
describe('an order from creation to a delivered key', () => {
  let product: Product;
  let http: ApiClient;
  let supplier: FakeServer;
  let storefrontHook: FakeServer;
  const imported = ['STEAM-AAAA-1111-ZZ01', 'STEAM-BBBB-2222-ZZ02', 'STEAM-CCCC-3333-ZZ03'];

  beforeAll(async () => {
    supplier = await new FakeServer(() => ({ status: 200, body: { valid: true } })).start();
    storefrontHook = await new FakeServer(() => ({ status: 204 })).start();
    product = await startProduct({
      STOREFRONT_WEBHOOK_URL: `${storefrontHook.url}/hooks/kamiflow`,
      STOREFRONT_WEBHOOK_SECRET: 'storefront-secret-0123456789',
    });
    http = new ApiClient(product.api.url);
  });

  afterAll(async () => {
    await product?.stop();
    await supplier?.stop();
    await storefrontHook?.stop();
  });

  it('delivers an imported, checked key to the buyer and moves the stock', async () => {
    const admin = http.as(DEV.admin);
    const put = await admin.put('/v1/products/steam-100', {
      name: 'Steam wallet 100',
      price: { amount: 9900, currency: 'CNY' },
      keyPattern: '^STEAM-[A-Z]{4}-\\d{4}-ZZ\\d{2}$',
      validationUrl: `${supplier.url}/validate`,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ sku: 'steam-100', refundWindow: '24h', complaintWindow: '7d' });

    const imp = await admin.post('/v1/products/steam-100/keys', { keys: [...imported, imported[0], 'not-a-steam-key'] });
    expect(imp.status).toBe(200);
    expect(imp.body).toMatchObject({ imported: 3, duplicates: 1, rejected: 1 });

    const created = await http.as(DEV.storefront).post('/v1/orders', { sku: 'steam-100', buyer: { email: 'alice@example.com' } });
    expect(created.status).toBe(201);
    const { orderId, orderToken } = created.body;
    expect(created.body).toMatchObject({ status: 'AWAITING_PAYMENT', amount: { amount: 9900, currency: 'CNY' } });
    expect(Date.parse(created.body.paymentDueAt)).toBeGreaterThan(Date.now());

    const paid = await http.notifyPayment(
      { eventId: 'evt-1', orderId, paymentId: 'pay-1', status: 'succeeded', amount: { amount: 9900, currency: 'CNY' } },
      product.config.paymentWebhookSecret,
    );
    expect(paid.status).toBe(200);

    const buyer = http.buyer(orderToken);
    const delivered = await eventually(async () => {
      const view = await buyer.get(`/v1/orders/${orderId}`);
      return view.body.status === 'DELIVERED' ? view.body : undefined;
    }, 'the order to be delivered');
    expect(delivered.buyer.email).toBe('alice@example.com');
    expect(delivered.keys).toHaveLength(1);
    expect(delivered.keys[0].masked).toMatch(/^\*+.{0,4}$/);
    expect(Date.parse(delivered.refundWindowEndsAt) - Date.parse(delivered.deliveredAt)).toBe(24 * 3600_000);

    const keys = await buyer.get(`/v1/orders/${orderId}/keys`);
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toHaveLength(1);
    const code = keys.body.keys[0].code as string;
    expect(imported).toContain(code);
    expect(delivered.keys[0].masked.endsWith(code.slice(-4))).toBe(true);

    // The supplier was asked about exactly that code.
    expect(supplier.requests.map((r) => r.body)).toContainEqual({ sku: 'steam-100', code });

    const stock = await http.as(DEV.ops).get('/v1/products/steam-100');
    expect(stock.body.stock).toEqual({ available: 2, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });

    // Staff see the email masked; the storefront's webhook heard about it, signed, without the code.
    const asAgent = await http.as(DEV.agent).get(`/v1/orders/${orderId}`);
    expect(asAgent.body.buyer.email).toBe('a***@example.com');
    const hooks = await eventually(async () => {
      const types = storefrontHook.requests.map((r) => r.body.type);
      return types.includes('order.delivered') ? storefrontHook.requests : undefined;
    }, 'the delivered webhook');
    for (const hook of hooks) {
      expect(hook.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(hook.raw).not.toContain(code);
    }
    const outbox = await product.store.outbox.find({ orderId }).lean();
    expect(outbox.map((o) => o.type)).toEqual(expect.arrayContaining(['order.created', 'order.paid', 'order.delivered']));

    // Secrets stay out of Temporal history and out of every log line.
    const history = await product.client.workflow.getHandle(`order-${orderId}`).fetchHistory();
    // Decoded: serialised JSON shows payloads base64-encoded, where no code could ever be found.
    const text = historyText(history);
    expect(text).toContain(orderId);
    for (const k of imported) expect(text).not.toContain(k);
    expect(text).not.toContain('alice@example.com');
    expect(text).not.toContain(orderToken);
    const logs = capturedLogs.join('');
    expect(logs).toContain(orderId);
    for (const k of imported) expect(logs).not.toContain(k);
    expect(logs).not.toContain(orderToken);
  });
});
