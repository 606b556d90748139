import type { Page } from 'playwright-core';
import { atEachWidth, openBrowser, pageWidth, signIn, WIDTHS, type BrowserSession } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { testSmtpUrl } from '../support/mailpit';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';
import { FakeProvider } from '../support/provider';

/**
 * The console's incidents in a real Chromium, at a desk's width and a phone's, against the running
 * product (its provider a real HTTP server in the test): ops declare an incident, see the orders it
 * hurt, reconcile their payments (one paid at the provider after its order was cancelled is
 * delivered, its coupon redeemed past its limit, which the coupon's page shows), compensate the
 * buyers in yuan after a confirmation, resolve with a public note; the dashboard links open
 * incidents; the API's refusals are shown in its words; the pages read in Chinese.
 */
describe('the console’s incidents', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url, PAYMENT_TIMEOUT: '2s', SMTP_URL: testSmtpUrl() }));
  let b: BrowserSession;
  let url: string;
  const sku = 'incident-console';
  const CNY = (amount: number) => ({ amount, currency: 'CNY' });
  let startedAt: number;
  let coupon: string;
  const orders: Record<'lost' | 'unpaid' | 'tookRoom', { orderId: string; amount: { amount: number; currency: string } }> = {} as never;
  let incidentId: string;

  beforeAll(async () => {
    const { shop, product } = ctx;
    url = product.api.url;
    b = await openBrowser('incident-console', WIDTHS[0]);
    await shop.product(sku, { price: CNY(12_000) }, keyCodes(6, 'INCC'));
    const made = await shop.admin.post('/v1/coupons', { code: 'INC-CONSOLE', amountOff: CNY(1_000), maxRedemptions: 1 });
    expectStatus(made, 201, 'single-use coupon');
    coupon = made.body.code;
    startedAt = Date.now() - 60_000;
    const place = async (who: string, withCoupon: boolean) => {
      const answer = await shop.storefront.post('/v1/orders', { sku, buyer: { email: `${who}@example.com` }, ...(withCoupon ? { coupon } : {}) });
      expectStatus(answer, 201, `${who}'s order`);
      return answer.body as { orderId: string; amount: { amount: number; currency: string } };
    };
    // Two orders whose payment notices never come: cancelled at their due time.
    orders.lost = await place('cara', true);
    orders.unpaid = await place('dan', false);
    for (const o of [orders.lost, orders.unpaid]) await shop.waitClosed(product.client, o.orderId, 'CANCELLED');
    // The cancel gave the coupon's single use back; another buyer took it and paid.
    orders.tookRoom = await place('eve', true);
    await shop.pay(orders.tookRoom);
    await shop.waitFor(orders.tookRoom.orderId, 'DELIVERED');
    // Cara had paid at the provider after all.
    provider.payments.set(orders.lost.orderId, [{ paymentId: 'pay-console-1', status: 'succeeded', amount: orders.lost.amount }]);
  });
  afterAll(() => b?.close());
  afterEach(() => expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]));

  /** A time as this browser's datetime-local field takes it, to the minute (rounded down). */
  const localField = (page: Page, ms: number) =>
    page.evaluate<string>(`(() => { const d = new Date(${ms}); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); })()`);

  it('ops declare an incident (a bad window refused in the API’s words) and open it: its window, counts, orders and timeline', async () => {
    const { page } = b;
    await b.step('declare', async () => {
      await signIn(page, url, DEV.ops);
      await page.locator('[data-tab="incidents"]').click();
      await page.locator('[data-empty]').waitFor();
      await page.locator('[data-declare]').click();
      const form = page.locator('form.incident-form');
      await form.locator('input[name="title"]').fill('Payment notices lost');
      await form.locator('select[name="cause"]').selectOption('payment_provider');
      await form.locator('input[name="startedAt"]').fill(await localField(page, startedAt));
      await form.locator('input[name="endedAt"]').fill(await localField(page, startedAt - 3_600_000));
      await form.locator('textarea[name="publicNote"]').fill('Some card payments were not confirmed. Nobody loses money.');
      await form.getByRole('button', { name: 'Declare it' }).click();
      await page.locator('.notice-error', { hasText: 'The end must be after startedAt' }).waitFor();
      expect((await ctx.shop.ops.get('/v1/incidents')).body.items).toEqual([]);

      await form.locator('input[name="endedAt"]').fill('');
      await form.getByRole('button', { name: 'Declare it' }).click();
      // Declared, the page opens it.
      const opened = page.locator('[data-incident-view]');
      await opened.waitFor();
      incidentId = (await opened.getAttribute('data-incident-view'))!;
      expect(page.url()).toMatch(new RegExp(`#/incidents/${incidentId}$`));
      expect((await ctx.shop.ops.get(`/v1/incidents/${incidentId}`)).body).toMatchObject({ title: 'Payment notices lost', cause: 'payment_provider', status: 'OPEN' });
    });

    await atEachWidth(b, 'incident', async (width) => {
      await page.goto(`${url}/console#/incidents/${incidentId}`);
      const view = page.locator(`[data-incident-view="${incidentId}"]`);
      await view.locator('h2 [data-status="OPEN"]', { hasText: 'Open' }).waitFor();
      expect(await view.locator('h2').textContent()).toContain('Payment notices lost');
      expect(await view.locator('[data-cause]').textContent()).toBe('Payment provider');
      expect(await view.locator('[data-window]').textContent()).toContain('still going on');
      expect(await view.locator('[data-affected]').textContent()).toBe('2 orders · 2 buyers');
      expect(await view.locator('[data-public-note]').textContent()).toBe('Some card payments were not confirmed. Nobody loses money.');
      for (const o of [orders.lost, orders.unpaid]) {
        const row = view.locator(`[data-affected-order="${o.orderId}"]`);
        expect(await row.getAttribute('data-reason')).toBe('cancelled_without_notice');
        expect(await row.textContent()).toContain('Cancelled without a payment notice');
        expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('CANCELLED');
      }
      expect(await view.locator('[data-affected-order]').count()).toBe(2);
      await view.locator('.timeline li[data-type="opened"]', { hasText: 'Incident opened' }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
      // From an affected order to its page in the orders grid.
      await view.locator(`[data-affected-order="${orders.lost.orderId}"] a`).click();
      await page.locator(`[data-order-view="${orders.lost.orderId}"] [data-status="CANCELLED"]`).waitFor();
    });
  });

  it('reconciles: the order paid at the provider is delivered, its coupon past its limit on the coupon’s page', async () => {
    const { page } = b;
    await b.step('reconcile', async () => {
      await page.setViewportSize(WIDTHS[0]);
      await page.goto(`${url}/console#/incidents/${incidentId}`);
      await page.locator('[data-reconcile-hint]', { hasText: 'still cancelled without a payment notice: 2.' }).waitFor();
      await page.locator('[data-incident-action="reconcile"]').click();
      await page.locator('.notice-info', { hasText: 'Reconciliation started' }).waitFor();
      await page.locator('.notice-ok', { hasText: 'Reconciled' }).waitFor({ timeout: 60_000 });
      await page.locator('.timeline li[data-type="reconciled"]', { hasText: 'Reconciled with the provider' }).waitFor();
      expect(await page.locator('.timeline li[data-type="reconciled"]').textContent()).toContain('1 paid there and made good');
      await ctx.shop.waitFor(orders.lost.orderId, 'DELIVERED');
      await page.reload();
      await page.locator(`[data-affected-order="${orders.lost.orderId}"] [data-status="DELIVERED"]`).waitFor();
      expect(await page.locator(`[data-affected-order="${orders.unpaid.orderId}"] [data-status]`).getAttribute('data-status')).toBe('CANCELLED');
      await page.locator('[data-reconcile-hint]', { hasText: 'still cancelled without a payment notice: 1.' }).waitFor();
    });

    await eventually(async () => (await ctx.shop.ops.get(`/v1/coupons/${coupon}`)).body.overLimit === 1, 'the redemption past the limit');
    await atEachWidth(b, 'coupon-over-limit', async (width) => {
      await page.goto(`${url}/console#/coupons/${coupon}`);
      await page.locator('[data-code]', { hasText: coupon }).waitFor();
      expect(await page.locator('[data-over-limit-count]').textContent()).toBe('1');
      expect(await page.locator('[data-over-limit-note]').textContent()).toContain('1 redemption(s) past the limit of 1');
      const over = page.locator(`[data-redemption="${orders.lost.orderId}"]`);
      expect(await over.getAttribute('data-over-limit')).toBe('true');
      expect(await over.locator('[data-past-limit]').textContent()).toBe('past the limit');
      const within = page.locator(`[data-redemption="${orders.tookRoom.orderId}"]`);
      expect(await within.getAttribute('data-over-limit')).toBeNull();
      expect(await within.locator('[data-past-limit]').count()).toBe(0);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it('compensates in yuan after a confirmation, says how many coupons went out, then resolves with a public note', async () => {
    const { page } = b;
    const incident = () => ctx.shop.ops.get(`/v1/incidents/${incidentId}`).then((a) => a.body);
    await b.step('compensate', async () => {
      await page.setViewportSize(WIDTHS[1]);
      await page.goto(`${url}/console#/incidents/${incidentId}`);
      const form = page.locator('form[data-compensate]');
      await form.locator('input[name="off"]').fill('5.005');
      await form.getByRole('button', { name: 'Compensate the buyers' }).click();
      await form.locator('.notice-error', { hasText: 'at most 2 decimals' }).waitFor();
      expect(await page.locator('[data-confirm]').count()).toBe(0);

      await form.locator('input[name="off"]').fill('5');
      await form.locator('input[name="minSpend"]').fill('50.00');
      await form.locator('input[name="validDays"]').fill('30');
      await form.getByRole('button', { name: 'Compensate the buyers' }).click();
      const buyers = (await incident()).affected.buyers as number;
      const question = page.locator('.confirm[role="alertdialog"]');
      expect(await question.textContent()).toContain(`Grant each of the ${buyers} affected buyers one single-use coupon (CN¥5.00 off · on spending CN¥50.00 or more · valid for 30 days)`);
      // Asked, not done: No leaves everything as it was.
      await question.locator('[data-confirm="no"]').click();
      expect(await page.locator('[data-confirm]').count()).toBe(0);
      expect((await incident()).compensation).toBeUndefined();

      await form.getByRole('button', { name: 'Compensate the buyers' }).click();
      await page.locator('[data-confirm="yes"]').click();
      const done = await page.locator('.notice-ok', { hasText: 'coupons issued' }).textContent();
      const seen = await incident();
      expect(seen.compensation).toMatchObject({ terms: { amountOff: CNY(500), minSpend: CNY(5_000), validFor: '30d' }, coupons: buyers });
      expect(done).toBe(`${buyers} coupons issued, one per affected buyer, each emailed to its buyer.`);
      // Granted once: the form gives way to what was granted.
      await page.locator('[data-compensation]', { hasText: `${buyers} coupons, CN¥5.00 off` }).waitFor();
      expect(await page.locator('form[data-compensate]').count()).toBe(0);
      await page.locator('.timeline li[data-type="compensated"]', { hasText: 'Affected buyers compensated with coupons' }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(WIDTHS[1].width);
    });

    await b.step('resolve', async () => {
      const form = page.locator('form[data-resolve]');
      await form.locator('textarea[name="publicNote"]').fill('Fixed: every payment was confirmed, and each buyer got a coupon.');
      await form.getByRole('button', { name: 'Resolve the incident' }).click();
      await page.locator('.confirm', { hasText: 'publish this note to the public' }).waitFor();
      expect((await incident()).status).toBe('OPEN');
      await page.locator('[data-confirm="yes"]').click();
      await page.locator('.notice-ok', { hasText: 'Resolved: the public status page shows the note.' }).waitFor();
      await page.locator('h2 [data-status="RESOLVED"]', { hasText: 'Resolved' }).waitFor();
      expect(await incident()).toMatchObject({ status: 'RESOLVED', publicNote: 'Fixed: every payment was confirmed, and each buyer got a coupon.' });
      expect(await page.locator('[data-public-note]').textContent()).toBe('Fixed: every payment was confirmed, and each buyer got a coupon.');
      expect(await page.locator('form[data-resolve]').count()).toBe(0);
      await page.locator('.timeline li[data-type="resolved"]', { hasText: 'Incident resolved' }).waitFor();
      // Resolved, it is listed under its filter and no longer as open.
      await page.goto(`${url}/console#/incidents`);
      await page.locator('[data-empty]').waitFor();
      await page.locator('[data-filter="RESOLVED"]').click();
      await page.locator(`[data-incident-card="${incidentId}"] [data-status="RESOLVED"]`).waitFor();
    });
  });

  it('the dashboard links each open incident; an action the incident no longer allows is refused in the API’s words', async () => {
    const { page } = b;
    const declared = await ctx.shop.ops.post('/v1/incidents', { title: 'Deliveries slow', cause: 'delivery', startedAt: new Date(Date.now() - 5 * 60_000).toISOString(), publicNote: 'Keys arrive late.' });
    expectStatus(declared, 201, 'declare');
    const { incidentId: slow } = declared.body;
    await atEachWidth(b, 'dashboard', async (width) => {
      await page.goto(`${url}/console#/dashboard`);
      await page.locator('[data-figure="incidents"] a', { hasText: '1' }).waitFor();
      await page.locator(`[data-incident-link="${slow}"]`, { hasText: 'Deliveries slow' }).click();
      await page.locator(`[data-incident-view="${slow}"] h2`, { hasText: 'Deliveries slow' }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
      await page.goto(`${url}/console#/dashboard`);
      await page.locator('[data-figure="incidents"] a').click();
      await page.locator(`[data-incident-card="${slow}"]`).waitFor();
    });

    await b.step('refused', async () => {
      await page.goto(`${url}/console#/incidents/${slow}`);
      await page.locator('form[data-resolve] textarea').fill('Keys arrive on time again.');
      // Someone else resolved it meanwhile: the page's resolve is refused with the API's reason.
      expectStatus(await ctx.shop.ops.post(`/v1/incidents/${slow}/resolve`, { publicNote: 'Resolved elsewhere.' }), 200, 'resolve elsewhere');
      await page.locator('form[data-resolve]').getByRole('button', { name: 'Resolve the incident' }).click();
      await page.locator('[data-confirm="yes"]').click();
      await page.locator('.notice-conflict', { hasText: 'the incident was resolved at' }).waitFor();
      // The page shows it as it is now, with the note the public reads.
      await page.locator('h2 [data-status="RESOLVED"]').waitFor();
      expect(await page.locator('[data-public-note]').textContent()).toBe('Resolved elsewhere.');
    });
  });

  it('reads in Chinese: labels, statuses, causes, reasons and timeline entries', async () => {
    const { page } = b;
    await page.setViewportSize(WIDTHS[0]);
    const dictionaries = (await page.evaluate(`import('/console/assets/i18n.js').then((m) => m.dictionaries)`)) as Record<'en' | 'zh', Record<string, string>>;
    const english = Object.entries(dictionaries.en)
      .filter(([key, text]) => dictionaries.zh[key] !== text && !text.includes('{') && text.length >= 4 && !key.startsWith('role_'))
      .map(([, text]) => text);
    await page.locator('[data-lang-toggle]').click();
    try {
      // Each view once what it loads is shown (its last part to arrive), so the words checked are the page's, not "Loading…".
      const views: [string, () => Promise<void>][] = [
        ['incidents', () => page.locator('[data-empty]').waitFor()],
        [`incidents/${incidentId}`, () => page.locator('[data-affected-order] [data-status]').first().waitFor()],
        [`coupons/${coupon}`, () => page.locator('[data-redemption]').first().waitFor()],
        ['dashboard', async () => {
          await page.locator('[data-figure="orders"]').waitFor();
          await page.locator('[data-figure="incidents"] a', { hasText: /^\d+$/ }).waitFor();
        }],
      ];
      for (const [view, shownFully] of views) {
        await b.step(`chinese-${view.replace(/\W+/g, '-')}`, async () => {
          await page.goto(`${url}/console#/${view}`);
          await shownFully();
          const shown = (await page.evaluate(`(() => {
            const copy = document.querySelector('main').cloneNode(true);
            copy.querySelectorAll('[lang="en"], [data-status-banner], [data-public-note], h2, [data-incident-card] strong, [data-incident-link]').forEach((e) => e.remove());
            return copy.textContent;
          })()`)) as string;
          expect({ view, english: english.filter((text) => shown.includes(text)) }).toEqual({ view, english: [] });
        });
      }
      await page.goto(`${url}/console#/incidents/${incidentId}`);
      await page.locator('h2 [data-status="RESOLVED"]', { hasText: '已解决' }).waitFor();
      expect(await page.locator('[data-cause]').textContent()).toBe('支付渠道');
      expect(await page.locator(`[data-affected-order="${orders.unpaid.orderId}"]`).textContent()).toContain('未收到付款通知而取消');
      for (const [type, words] of [['opened', '登记服务事件'], ['reconciled', '已与支付渠道对账'], ['compensated', '已向受影响的买家发放补偿优惠券'], ['resolved', '服务事件已解决']]) {
        await page.locator(`.timeline li[data-type="${type}"]`, { hasText: words }).waitFor();
      }
      await page.goto(`${url}/console#/coupons/${coupon}`);
      await page.locator('[data-past-limit]', { hasText: '超出次数' }).waitFor();
    } finally {
      await page.locator('[data-lang-toggle]').click();
    }
  });
});
