import { openBrowser, type BrowserSession } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';
import { randomId } from '../support/rails/standIn';
import { StripeStandIn } from '../support/rails/stripe';

/**
 * The console shows where a complaint came from: a Stripe dispute's complaint carries its badge
 * (the provider, its id, where it stands) in the queue and on the complaint, and its outcome once
 * the bank has decided.
 */
describe('disputes in the console', () => {
  const stripe = new StripeStandIn();
  beforeAll(() => stripe.start());
  afterAll(() => stripe.stop());
  const ctx = productWithShop(() => stripe.env());
  let b: BrowserSession;
  beforeAll(async () => {
    await ctx.shop.product('card-console-dispute', { price: { amount: 2000, currency: 'CNY' } }, keyCodes(2, 'CND'));
    b = await openBrowser('disputes');
  });
  afterAll(() => b?.close());

  it('an agent sees the Stripe dispute on its complaint, and its outcome', async () => {
    const answer = await ctx.shop.storefront.post('/v1/orders', { sku: 'card-console-dispute', buyer: { email: 'buyer@example.com' }, payment: { method: 'stripe' } });
    expectStatus(answer, 201, 'order');
    const { orderId, amount } = answer.body;
    await stripe.send(ctx.shop.http, stripe.paidNotice(orderId, {}, amount));
    await ctx.shop.waitFor(orderId, 'DELIVERED');
    const id = randomId('dp_', 6);
    await stripe.send(ctx.shop.http, stripe.disputeEvent('charge.dispute.created', orderId, { id, status: 'needs_response', reason: 'fraudulent' }));
    const complaintId = await eventually(async () => {
      const queue = await ctx.shop.agent.get('/v1/complaints');
      return queue.body.items.find((c: any) => c.orderId === orderId)?.complaintId as string | undefined;
    }, 'the dispute in the queue');

    const { page } = b;
    const badge = page.locator(`[data-complaint="${complaintId}"] [data-dispute="${id}"]`);
    await b.step('queue', async () => {
      await page.goto(`${ctx.product.api.url}/console`);
      await page.locator('#api-key').fill(DEV.agent);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-me]').waitFor();
      await page.goto(`${ctx.product.api.url}/console#/queue`);
      await badge.waitFor();
      await expect(badge.textContent()).resolves.toBe(`Stripe dispute ${id} · needs_response`);
    });

    await stripe.send(ctx.shop.http, stripe.disputeEvent('charge.dispute.closed', orderId, { id, status: 'lost', reason: 'fraudulent' }));
    await ctx.shop.waitFor(orderId, 'REFUNDED');
    await b.step('complaint', async () => {
      await page.goto(`${ctx.product.api.url}/console#/complaints/${complaintId}`);
      const shown = page.locator(`[data-dispute="${id}"]`);
      await eventually(async () => {
        await page.reload();
        await shown.waitFor();
        return (await shown.textContent())?.includes('lost') ? true : undefined;
      }, 'the outcome on the complaint page');
      await expect(shown.textContent()).resolves.toBe(`Stripe dispute ${id} · lost: refunded by the bank`);
    });
    expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
  });
});
