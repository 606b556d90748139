import { randomBytes } from 'node:crypto';
import type { BuyerEmailEvent } from '../../domain/buyerEmail';
import { buyerEmailWorkflowId } from '../../workflows/email';
import { capturedLogs, startProduct, type Product } from '../support/harness';
import { ApiClient, eventually } from '../support/http';
import { Inbox, OwnMailpit, testSmtpUrl } from '../support/mailpit';
import { Shop, expectStatus, keyCodes, productWithShop, type PlacedOrder } from '../support/orders';

/*
 * The buyer's emails, sent through the real SMTP of a local Mailpit and read back from its API:
 * keys delivered (codes and the product's instructions), refund paid, complaint answered / needs
 * your reply / resolved, in the buyer's language, each with the link to their order page, one email
 * per event however often it is handed over, and no code anywhere but in the keys email itself.
 */

const BASE = 'https://shop.example';
const FROM_DOMAIN = 'kamiflow.localhost';
const INSTRUCTIONS = { zh: '打开 Steam → 游戏 → 激活产品，输入卡密。', en: 'Open Steam → Games → Activate a Product, and enter the key.' };

const buyerAddress = () => `buyer-${randomBytes(5).toString('hex')}@example.com`;

async function placeDelivered(shop: Shop, sku: string, email: string, locale?: 'en' | 'zh-CN'): Promise<PlacedOrder> {
  const answer = await shop.storefront.post('/v1/orders', { sku, buyer: { email, ...(locale ? { locale } : {}) } });
  expectStatus(answer, 201, 'order');
  const order: PlacedOrder = { ...answer.body, buyer: shop.http.buyer(answer.body.orderToken) };
  await shop.pay(order);
  await shop.waitFor(order.orderId, 'DELIVERED');
  return order;
}

/** Runs the email workflow for an event to its end, as an order's or complaint's workflow starts it. */
async function emailFor(product: Product, event: BuyerEmailEvent, workflowId = buyerEmailWorkflowId(event.eventId)): Promise<void> {
  await product.client.workflow.execute('buyerEmailWorkflow', { taskQueue: product.config.temporal.taskQueue, workflowId, args: [event] });
}

describe('buyer emails through a real SMTP server', () => {
  const ctx = productWithShop(() => ({ SMTP_URL: testSmtpUrl(), PUBLIC_BASE_URL: BASE }));
  const inbox = new Inbox();
  const sku = 'steam-email';
  const codes = keyCodes(10, 'MAIL');

  beforeAll(async () => {
    await ctx.shop.product(sku, { name: 'Steam Wallet 100', instructions: INSTRUCTIONS }, codes);
  });

  it('keys delivered: the codes and the instructions in the buyer\'s language, once however often the event is handed over', async () => {
    const { product, shop } = ctx;
    const email = buyerAddress();
    const order = await placeDelivered(shop, sku, email, 'en');
    const keys = await order.buyer.get(`/v1/orders/${order.orderId}/keys`);
    expectStatus(keys, 200, 'keys');
    const code = keys.body.keys[0].code as string;
    expect(keys.body.instructions).toBe(INSTRUCTIONS.en);

    // The order itself started the email when it delivered the keys.
    const event: BuyerEmailEvent = { eventId: `${order.orderId}.keys_delivered`, orderId: order.orderId, kind: 'keys_delivered' };
    const [mail] = await inbox.receive(email, 1);
    expect(mail.Subject).toBe('Your keys for Steam Wallet 100');
    expect(mail.MessageID).toBe(`${event.eventId}.buyer-email@${FROM_DOMAIN}`);
    expect(mail.From.Address).toBe(`no-reply@${FROM_DOMAIN}`);
    expect(mail.Text).toContain(code);
    expect(mail.Text).toContain(INSTRUCTIONS.en);
    expect(mail.Text).not.toContain(INSTRUCTIONS.zh);
    expect(mail.Text).toContain(`${BASE}/orders/${order.orderId}`);
    expect(mail.HTML).toContain(`<code style="font-size:16px">${code}</code>`);
    expect(mail.HTML).toContain(`href="${BASE}/orders/${order.orderId}"`);

    // The same event again (a retried step, a second carrier): the record in emails_sent holds it to one email.
    await emailFor(product, event, `${buyerEmailWorkflowId(event.eventId)}-again`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inbox.to(email)).toHaveLength(1);
    const sent = await product.store.emailsSent.find({ orderId: order.orderId }).lean();
    expect(sent.map(({ _id, kind, state, messageId }) => ({ _id, kind, state, messageId }))).toEqual([
      { _id: event.eventId, kind: 'keys_delivered', state: 'sent', messageId: `<${event.eventId}.buyer-email@${FROM_DOMAIN}>` },
    ]);

    // The workflow carried ids only: the code is nowhere in its history, nor in any log line.
    for (const id of [buyerEmailWorkflowId(event.eventId), `${buyerEmailWorkflowId(event.eventId)}-again`]) {
      const history = JSON.stringify(await product.client.workflow.getHandle(id).fetchHistory());
      expect(history).toContain(order.orderId);
      expect(history).not.toContain(code);
      expect(history).not.toContain(email);
    }
    expect(capturedLogs.join('\n')).not.toContain(code);
  });

  it('writes in zh-CN when the order names no language, with the Chinese instructions', async () => {
    const { product, shop } = ctx;
    const email = buyerAddress();
    const order = await placeDelivered(shop, sku, email);
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.instructions).toBe(INSTRUCTIONS.zh);
    const [mail] = await inbox.receive(email, 1); // the order's own email of its keys
    expect(mail.Subject).toBe('您的卡密已发货：Steam Wallet 100');
    expect(mail.Text).toContain(INSTRUCTIONS.zh);
    expect(mail.Text).toContain('查看订单');
  });

  it('refund paid: the amount paid back, in the buyer\'s language', async () => {
    const { product, shop } = ctx;
    const email = buyerAddress();
    const order = await placeDelivered(shop, sku, email, 'en');
    const code = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
    expectStatus(await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'bought the wrong one' }), 202, 'refund request');
    expectStatus(await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: true }), 200, 'refund decision');
    await shop.waitFor(order.orderId, 'REFUNDED');
    // The order itself emails the buyer: the keys when delivered, then the refund once paid.
    const mails = await inbox.receive(email, 2);
    expect(mails.map((m) => m.Subject).sort()).toEqual([`Refund paid: order ${order.orderId}`, 'Your keys for Steam Wallet 100']);
    const mail = mails.find((m) => m.Subject.startsWith('Refund paid')) as (typeof mails)[number];
    expect(mail.MessageID).toBe(`${order.orderId}.refund_paid.buyer-email@${FROM_DOMAIN}`);
    // A retried step sends nothing more.
    await emailFor(product, { eventId: `${order.orderId}.refund_paid`, orderId: order.orderId, kind: 'refund_paid' }, `${buyerEmailWorkflowId(`${order.orderId}.refund_paid`)}-again`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inbox.to(email)).toHaveLength(2);
    expect(mail.Text).toContain('19.99 CNY');
    expect(mail.Text).not.toContain(code);
    expect(mail.HTML).not.toContain(code);
  });

  it('a complaint answered, needing the buyer\'s reply, and resolved: one email each, from the complaint\'s own steps', async () => {
    const { shop } = ctx;
    const email = buyerAddress();
    const order = await placeDelivered(shop, sku, email, 'en');
    const code = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'The key page was confusing.' });
    expectStatus(filed, 201, 'complaint');
    const { complaintId } = filed.body;
    const act = (action: string, note: string) => shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action, note });
    expectStatus(await act('acknowledge', 'We are reading your message.'), 200, 'acknowledge');
    expectStatus(await act('request_info', 'Which page do you mean?'), 200, 'request_info');
    expectStatus(await order.buyer.post(`/v1/complaints/${complaintId}/replies`, { message: 'The one with the keys.' }), 200, 'reply');
    expectStatus(await act('reject', 'That page is the storefront\'s; we have told them.'), 200, 'reject');

    // Besides the keys email the order sent when it delivered them.
    const mails = (await inbox.receive(email, 4)).filter((m) => !m.Subject.startsWith('Your keys'));
    expect(mails.map((m) => m.Subject)).toEqual([
      `We answered your complaint: order ${order.orderId}`,
      `Your reply is needed: order ${order.orderId}`,
      `Your complaint is resolved: order ${order.orderId}`,
    ]);
    expect(mails[0].Text).toContain('We are reading your message.');
    expect(mails[1].Text).toContain('Which page do you mean?');
    expect(mails[2].Text).toContain('That page is the storefront\'s; we have told them.');
    expect(mails[2].Text).toContain('Please tell us on your order page whether you are satisfied.');
    for (const mail of mails) {
      expect(mail.MessageID).toMatch(new RegExp(`^${complaintId}\\.\\d+\\.(acknowledged|info_requested|resolved)\\.buyer-email@${FROM_DOMAIN}$`));
      expect(mail.Text).toContain(`${BASE}/orders/${order.orderId}`);
      expect(mail.Text + mail.HTML).not.toContain(code);
    }
    // The buyer's reply and the filing itself sent nothing.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inbox.to(email)).toHaveLength(4);
  });

  it('a reported key the re-check finds invalid: the new key by email, and the resolution asking the buyer to confirm, one each', async () => {
    const { shop } = ctx;
    const rechecked = 'steam-email-recheck';
    await shop.product(rechecked, { name: 'Steam Wallet 50', keyPattern: '^OLDMAIL-', instructions: INSTRUCTIONS }, keyCodes(1, 'OLDMAIL'));
    const email = buyerAddress();
    const order = await placeDelivered(shop, rechecked, email, 'en');
    const old = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
    // The old batch no longer fits the product's pattern: our own checks find the reported key invalid.
    expectStatus(await shop.admin.put(`/v1/products/${rechecked}`, { name: 'Steam Wallet 50', price: { amount: 1999, currency: 'CNY' }, keyPattern: '^NEWMAIL-', instructions: INSTRUCTIONS }), 200, 'new pattern');
    await shop.importKeys(rechecked, keyCodes(1, 'NEWMAIL'));
    expectStatus(await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_invalid', description: 'It says invalid.' }), 201, 'complaint');

    const mails = await inbox.receive(email, 3);
    const now = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
    expect(now).toMatch(/^NEWMAIL-/);
    const [delivered, replaced, resolved] = [mails[0], ...mails.slice(1).sort((a, b) => (a.Subject < b.Subject ? 1 : -1))];
    expect(delivered.Text).toContain(old);
    expect(replaced.Text).toContain(now);
    expect(replaced.Text + replaced.HTML).not.toContain(old);
    expect(resolved.Subject).toBe(`Your complaint is resolved: order ${order.orderId}`);
    expect(resolved.Text).toContain('Please confirm the new key works');
    expect(resolved.Text + resolved.HTML).not.toContain(old);
    expect(resolved.Text + resolved.HTML).not.toContain(now);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inbox.to(email)).toHaveLength(3);
  });
});

describe('a mail server that is down', () => {
  const mailpit = new OwnMailpit();
  let product: Product;
  let shop: Shop;

  beforeAll(async () => {
    await mailpit.ports(); // its ports are chosen, nothing listens there yet
    product = await startProduct({ SMTP_URL: mailpit.smtpUrl });
    shop = new Shop(new ApiClient(product.api.url), product.config.paymentWebhookSecret);
    await shop.product('down-mail', {}, keyCodes(3, 'DOWN'));
  });
  afterAll(async () => {
    await product?.stop();
    await mailpit.stop();
  });

  it('delays the email, never the order or the complaint: it is sent once the server is back', async () => {
    const email = buyerAddress();
    const order = await placeDelivered(shop, 'down-mail', email);
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'Slow answer.' });
    expectStatus(filed, 201, 'complaint');
    const acknowledged = await shop.agent.post(`/v1/complaints/${filed.body.complaintId}/actions`, { action: 'acknowledge', note: 'On it.' });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.status).toBe('ACKNOWLEDGED');

    // The email's own workflow keeps asking the server, with backoff.
    const handle = product.client.workflow.getHandle(buyerEmailWorkflowId(`${filed.body.complaintId}.2.acknowledged`));
    const pending = await eventually(async () => {
      const described = await handle.describe();
      const attempt = described.raw.pendingActivities?.[0]?.attempt ?? 0;
      return attempt >= 2 ? described : false;
    }, 'the email to be retried');
    expect(pending.status.name).toBe('RUNNING');
    expect(await product.store.emailsSent.countDocuments({ orderId: order.orderId })).toBe(0);

    await mailpit.start();
    await handle.result();
    // The keys email the order sent meanwhile waited for the server too.
    const mails = await mailpit.inbox.receive(email, 2);
    expect(mails.map((m) => m.Subject).sort()).toEqual(['您的卡密已发货：down-mail', `客服已回复您的投诉：订单 ${order.orderId}`].sort());
    const mail = mails.find((m) => m.Subject.startsWith('客服')) as (typeof mails)[number];
    expect(mail.Text).toContain('On it.');
    expect(mail.Text).not.toContain('/orders/'); // no PUBLIC_BASE_URL: no link
  });
});
