import { atEachWidth, englishShown, openBrowser, pageWidth, signIn, type BrowserSession } from '../support/browser';
import { ApiClient, DEV, eventually } from '../support/http';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';

/**
 * The console of a platform of many merchants, in a real Chromium over the running API: the platform
 * creates, suspends and resumes merchants and acts for the one it picks in the header; it ranks them
 * by complaints; a merchant's admin manages its own keys and never sees the platform's pages; each
 * merchant's public report has its own page, and an unknown one a page that says so.
 */
describe('the console of a platform of many merchants', () => {
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM }));
  let b: BrowserSession;
  let http: ApiClient;
  let acme: Merchant;
  let url: string;

  beforeAll(async () => {
    url = ctx.product.api.url;
    http = new ApiClient(url);
    acme = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'acme-cards');
    expectStatus(await acme.shop.admin.post('/v1/merchants/acme-cards/keys', { role: 'agent', name: 'spare-agent' }), 201, 'a key never used');
    // Each side sells a product of its own; acme's buyers complained about one order in two.
    await ctx.shop.product('default-card', {}, keyCodes(2, 'DEF'));
    await acme.shop.product('acme-card', {}, keyCodes(3, 'ACME'));
    await ctx.shop.delivered('default-card');
    const complained = await acme.shop.delivered('acme-card');
    await acme.shop.delivered('acme-card');
    expectStatus(await complained.buyer.post(`/v1/orders/${complained.orderId}/complaints`, { category: 'key_invalid', description: 'Already redeemed.' }), 201, 'complaint');
    // Each side has a coupon of its own.
    expectStatus(await ctx.shop.admin.post('/v1/coupons', { code: 'DEFAULT-ONLY', percentOff: 10 }), 201, "default's coupon");
    expectStatus(await acme.shop.admin.post('/v1/coupons', { code: 'ACME-ONLY', percentOff: 20 }), 201, "acme's coupon");
    b = await openBrowser('merchants', { width: 1280, height: 900 });
    await b.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  });
  afterAll(() => b?.close());
  afterEach(() => expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]));

  const tabs = () => b.page.locator('[data-tab]').evaluateAll((as) => as.map((a) => a.getAttribute('data-tab')));
  const statusOf = async (merchantId: string) => (await http.as(PLATFORM_KEY).get(`/v1/merchants/${merchantId}`)).body;

  it('lets the platform create a merchant, its admin key shown once to copy, and refuses a bad id naming it', async () => {
    const { page } = b;
    await b.step('sign in', async () => {
      await signIn(page, url, PLATFORM_KEY);
      expect(await page.locator('[data-me]').getAttribute('data-me')).toBe('platform');
      expect(await tabs()).toEqual(['merchants', 'platform', 'dashboard', 'orders', 'queue', 'refunds', 'stuck', 'incidents', 'stock', 'ranking', 'products', 'notes', 'apiKeys', 'settings', 'coupons']);
      await page.locator('tr[data-merchant="acme-cards"]').waitFor();
    });

    const form = page.locator('form[data-new-merchant]');
    await b.step('a bad id', async () => {
      await form.locator('input[name="merchantId"]').fill('North Cards');
      await form.locator('input[name="name"]').fill('North Cards');
      await form.locator('input[name="contactEmail"]').fill('owner@north.example');
      await form.locator('button[type="submit"]').click();
      await expect(form.locator('.notice-error').textContent()).resolves.toMatch(/^Not done: The merchant id must be 3-40 lower-case letters/);
      expect((await http.as(PLATFORM_KEY).get('/v1/merchants')).body.items.map((m: { merchantId: string }) => m.merchantId)).toEqual(['default', 'acme-cards']);
    });

    await b.step('created', async () => {
      await form.locator('input[name="merchantId"]').fill('north-cards');
      await form.locator('button[type="submit"]').click();
      const shown = page.locator('[data-shown-once]');
      await shown.waitFor();
      expect(await shown.textContent()).toContain('shown only this once');
      const secret = await shown.locator('[data-secret]').inputValue();
      // The key shown is the new merchant's admin key.
      expect((await http.as(secret).get('/v1/me')).body).toEqual({ role: 'admin', name: 'admin', merchantId: 'north-cards' });
      await shown.locator('[data-copy]').click();
      await shown.locator('[data-copied]').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
      await page.locator('tr[data-merchant="north-cards"] [data-merchant-status="ACTIVE"]').waitFor();
      // The switcher lists it at once; once dismissed, the secret is nowhere on the page.
      await page.locator('[data-merchant-switcher] option[value="north-cards"]').waitFor({ state: 'attached' });
      await shown.locator('[data-dismiss]').click();
      await shown.waitFor({ state: 'detached' });
      expect(await page.content()).not.toContain(secret);
    });
  });

  it('suspends a merchant with a reason only once confirmed, and resumes it', async () => {
    const { page } = b;
    await signIn(page, url, PLATFORM_KEY);
    const row = page.locator('tr[data-merchant="acme-cards"]');
    await b.step('cancelled', async () => {
      await row.locator('[data-merchant-action="suspend"]').click();
      await row.locator('textarea[name="reason"]').fill('Changed my mind.');
      await row.locator('[data-confirm="no"]').click();
      await row.locator('[data-confirm]').first().waitFor({ state: 'detached' });
      expect((await statusOf('acme-cards')).status).toBe('ACTIVE');
    });
    await b.step('suspended', async () => {
      await row.locator('[data-merchant-action="suspend"]').click();
      await expect(row.locator('.confirm').textContent()).resolves.toContain('Suspend acme-cards?');
      await row.locator('textarea[name="reason"]').fill('Too many complaints this month.');
      await row.locator('[data-confirm="yes"]').click();
      await row.locator('[data-merchant-status="SUSPENDED"]').waitFor();
      expect(await row.locator('[data-suspended-reason]').textContent()).toBe('Too many complaints this month.');
      expect(await statusOf('acme-cards')).toMatchObject({ status: 'SUSPENDED', suspendedReason: 'Too many complaints this month.' });
      const refused = await acme.shop.storefront.post('/v1/orders', { sku: 'acme-card', buyer: { email: 'late@example.com' } });
      expect(refused.body.error.code).toBe('merchant_suspended');
    });
    await b.step('resumed', async () => {
      await row.locator('[data-merchant-action="resume"]').click();
      await row.locator('[data-confirm="yes"]').click();
      await row.locator('[data-merchant-status="ACTIVE"]').waitFor();
      expect((await statusOf('acme-cards')).status).toBe('ACTIVE');
    });
  });

  it("acts for the merchant chosen in the header on every other page, and back", async () => {
    const { page } = b;
    await signIn(page, url, PLATFORM_KEY);
    await b.step('acme', async () => {
      await page.locator('[data-merchant-switcher]').selectOption('acme-cards');
      // Switched once the tabs are acme's (drawn again: a click before may land on another).
      await page.locator('nav[data-acting-for="acme-cards"]').waitFor();
      await page.locator('[data-tab="products"]').click();
      await page.locator('[data-sku="acme-card"]').waitFor();
      expect(await page.locator('[data-sku="default-card"]').count()).toBe(0);
      // Kept while the tab lives, as the key is: a reload still acts for acme.
      await page.reload();
      await page.locator('[data-sku="acme-card"]').waitFor();
      expect(await page.locator('[data-merchant-switcher]').inputValue()).toBe('acme-cards');
      await page.locator('[data-tab="apiKeys"]').click();
      await page.locator('tr[data-role="storefront"]').waitFor();
      // Incidents and coupons are every merchant's: acme's own, never the first shop's; its dashboard counts its own incidents.
      expect((await tabs()).filter((tab) => tab === 'coupons' || tab === 'incidents')).toEqual(['incidents', 'coupons']);
      await page.locator('[data-tab="coupons"]').click();
      await page.locator('[data-coupon="ACME-ONLY"]').waitFor();
      expect(await page.locator('[data-coupon="DEFAULT-ONLY"]').count()).toBe(0);
      await page.locator('[data-tab="dashboard"]').click();
      await page.locator('[data-figure="attention"]').waitFor();
      await page.locator('[data-figure="incidents"] a', { hasText: '0' }).waitFor();
    });
    await b.step('default', async () => {
      await page.locator('[data-tab="products"]').click();
      await page.locator('[data-merchant-switcher]').selectOption('default');
      await page.locator('[data-sku="default-card"]').waitFor();
      expect(await page.locator('[data-sku="acme-card"]').count()).toBe(0);
    });
  });

  it("never shows a merchant's own keys the switcher or the platform's pages", async () => {
    const { page } = b;
    for (const [key, expected] of [
      // Incidents and coupons are every merchant's.
      [acme.keys.admin, ['dashboard', 'orders', 'queue', 'refunds', 'stuck', 'incidents', 'stock', 'ranking', 'products', 'notes', 'apiKeys', 'settings', 'coupons']],
      [acme.keys.agent, ['orders', 'queue', 'refunds', 'stock', 'ranking']],
      [DEV.admin, ['dashboard', 'orders', 'queue', 'refunds', 'stuck', 'incidents', 'stock', 'ranking', 'products', 'notes', 'apiKeys', 'settings', 'coupons']],
    ] as const) {
      await b.step(`tabs of ${key.slice(0, 8)}`, async () => {
        await signIn(page, url, key);
        expect(await tabs()).toEqual(expected);
        expect(await page.locator('[data-merchant-switcher]').count()).toBe(0);
        // Asked for by its address, the merchants page is not there: the first tab is shown instead.
        await page.goto(`${url}/console#/merchants`);
        await page.locator(`[data-tab="${expected[0]}"].active`).waitFor();
        expect(await page.locator('form[data-new-merchant]').count()).toBe(0);
      });
    }
  });

  it("lets a merchant's admin issue a key shown once and revoke one once confirmed", async () => {
    const { page } = b;
    await signIn(page, url, acme.keys.admin);
    await page.goto(`${url}/console#/apiKeys`);
    await b.step('listed', async () => {
      await page.locator('tr[data-api-key]').first().waitFor();
      expect(await page.locator('tr[data-api-key]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')))).toEqual(['admin', 'storefront', 'agent', 'ops', 'agent']);
      // The admin key has been used (it issued the others); the spare agent key never was.
      expect(await page.locator('tr[data-role="admin"] [data-last-used]').getAttribute('data-last-used')).not.toBe('');
      await expect(page.locator('tr[data-api-key]', { hasText: 'spare-agent' }).locator('[data-last-used]').textContent()).resolves.toBe('never');
      const content = await page.content();
      for (const key of Object.values(acme.keys)) expect(content).not.toContain(key);
    });
    let secret = '';
    await b.step('issued', async () => {
      const form = page.locator('form[data-issue-key]');
      await form.locator('select[name="role"]').selectOption('ops');
      await form.locator('input[name="keyName"]').fill('night-ops');
      await form.locator('button[type="submit"]').click();
      secret = await page.locator('[data-shown-once] [data-secret]').inputValue();
      expect((await http.as(secret).get('/v1/me')).body).toEqual({ role: 'ops', name: 'night-ops', merchantId: 'acme-cards' });
      await page.locator('tr[data-api-key]', { hasText: 'night-ops' }).waitFor();
      await page.locator('[data-shown-once] [data-dismiss]').click();
      expect(await page.content()).not.toContain(secret);
    });
    const row = page.locator('tr[data-api-key]', { hasText: 'night-ops' });
    await b.step('revoke cancelled', async () => {
      await row.locator('[data-revoke]').click();
      await expect(row.locator('.confirm').textContent()).resolves.toContain('Revoke the key night-ops (ops)?');
      await row.locator('[data-confirm="no"]').click();
      expect((await http.as(secret).get('/v1/me')).status).toBe(200);
    });
    await b.step('revoked', async () => {
      await row.locator('[data-revoke]').click();
      await row.locator('[data-confirm="yes"]').click();
      await row.waitFor({ state: 'detached' });
      await page.locator('.notice-ok', { hasText: 'Key night-ops revoked.' }).waitFor();
      expect((await http.as(secret).get('/v1/me')).status).toBe(401);
      expect(await page.locator('tr[data-api-key]').count()).toBe(5);
    });
  });

  it('ranks the merchants for the platform, worst complaint rate first, over the period chosen', async () => {
    const { page } = b;
    await signIn(page, url, PLATFORM_KEY);
    await page.locator('[data-tab="platform"]').click();
    await atEachWidth(b, 'ranking', async (width) => {
      await page.locator('table[data-ranking]').waitFor();
      expect(await page.locator('[data-rank]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-rank')))).toEqual(['acme-cards', 'default', 'north-cards']);
      expect(await page.locator('[data-rank] [data-figure="complaintRate"]').allTextContents()).toEqual(['50.0%', '0.0%', '—']);
      // The chart draws the merchants that sold in the period, in the same order; one that sold nothing has no rate to draw.
      expect(await page.locator('svg.bars g[data-label]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-label')))).toEqual(['Shop acme-cards (acme-cards)', 'default (default)']);
      expect(await page.locator('svg.bars .bar-value').allTextContents()).toEqual(['50.0%', '0.0%']);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
    await b.step('another period', async () => {
      const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      await page.locator('input[name="to"]').fill(later(3));
      await page.locator('input[name="from"]').fill(later(2));
      // Nothing was sold then: no merchant has a rate.
      await eventually(async () => (await page.locator('[data-rank] [data-figure="complaintRate"]').allTextContents()).every((rate) => rate === '—'), 'no rates in a period with no sales');
      expect(await page.locator('[data-rank]').count()).toBe(3);
      expect(await page.locator('svg.bars g[data-label]').count()).toBe(0);
    });
  });

  it("publishes each merchant's report on its own page, and says so for a merchant that does not exist", async () => {
    const { page } = b;
    const month = new Date().toISOString().slice(0, 7);
    const note = 'Acme now answers every complaint within the hour.';
    await b.step("acme's note", async () => {
      await signIn(page, url, acme.keys.admin);
      await page.goto(`${url}/console#/notes`);
      await page.locator('textarea[name="noteText"]').fill(note);
      await page.locator('form button[type="submit"]').click();
      await page.locator(`[data-notes="${month}"] li`, { hasText: note }).waitFor();
      expect(await page.locator('a', { hasText: 'Open the public page' }).getAttribute('href')).toBe(`/report/acme-cards?month=${month}`);
    });
    await b.step('acme', async () => {
      await page.goto(`${url}/report/acme-cards`);
      await page.locator(`[data-report="${month}"]`).waitFor();
      // The shop's name, as the platform registered it.
      expect(await page.locator('h1 [data-merchant="acme-cards"]').textContent()).toBe('Shop acme-cards');
      expect(await page.locator('[data-figure="orders"]').textContent()).toBe('2');
      expect(await page.locator('[data-figure="complaints"]').textContent()).toBe('1');
      await page.locator('.notes li', { hasText: note }).waitFor();
    });
    await b.step('platform', async () => {
      await page.goto(`${url}/report`);
      await page.locator(`[data-report="${month}"]`).waitFor();
      expect(await page.locator('[data-figure="orders"]').textContent()).toBe('3');
      expect(await page.locator('h1 [data-merchant]').count()).toBe(0);
      expect(await page.locator('main').textContent()).not.toContain(note);
    });
    await b.step('unknown', async () => {
      const answer = await page.goto(`${url}/report/no-such-shop`);
      expect(answer?.status()).toBe(404);
      const missing = page.locator('[data-not-found]');
      await missing.waitFor();
      expect(await missing.textContent()).toContain('No such merchant');
      expect(await missing.textContent()).toContain('没有这个商户');
      await missing.locator('a').first().click();
      await page.locator(`[data-report="${month}"]`).waitFor();
      expect(new URL(page.url()).pathname).toBe('/report');
    });
  });

  it('reads wholly in Chinese on the platform pages, the key management and the merchant report', async () => {
    const { page } = b;
    await signIn(page, url, PLATFORM_KEY);
    await page.locator('[data-lang-toggle]').click();
    await page.locator('[data-tab="merchants"]', { hasText: '商户' }).waitFor();
    // Acting for acme, whose keys were issued by the API (the first shop's are configured, not listed).
    await page.locator('[data-merchant-switcher]').selectOption('acme-cards');
    for (const view of ['merchants', 'platform', 'apiKeys']) {
      await atEachWidth(b, `chinese-${view}`, async (width) => {
        await page.goto(`${url}/console#/${view}`);
        await page.waitForLoadState('networkidle');
        await page.locator('main section table').first().waitFor();
        expect({ view, english: await englishShown(page) }).toEqual({ view, english: [] });
        expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
      });
    }
    await atEachWidth(b, 'chinese-report', async (width) => {
      await page.goto(`${url}/report/acme-cards`);
      await page.locator('[data-report]').waitFor();
      expect(await englishShown(page)).toEqual([]);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it("offers a merchant's ops its own incident to act on, and a platform-wide one to read only; the banner shows both", async () => {
    const { page } = b;
    const incident = (title: string) => ({ title, cause: 'other', startedAt: new Date(Date.now() - 60_000).toISOString(), publicNote: `${title}：处理中` });
    const own = await acme.shop.ops.post('/v1/incidents', incident('本店发货延迟'));
    expectStatus(own, 201, "acme's incident");
    const wide = await http.as(PLATFORM_KEY).post('/v1/incidents', incident('支付通道故障'));
    expectStatus(wide, 201, 'a platform-wide incident');
    await signIn(page, url, acme.keys.admin);
    await b.step('its own', async () => {
      await page.goto(`${url}/console#/incidents/${own.body.incidentId}`);
      await page.locator(`[data-incident-view="${own.body.incidentId}"]`).waitFor();
      await page.locator('[data-scope="acme-cards"]').waitFor();
      await page.locator('[data-incident-action="reconcile"]').waitFor();
      await page.locator('[data-status-banner]', { hasText: '本店发货延迟' }).waitFor();
      await page.locator('[data-status-banner]', { hasText: '支付通道故障' }).waitFor();
    });
    await b.step('platform-wide', async () => {
      await page.goto(`${url}/console#/incidents/${wide.body.incidentId}`);
      await page.locator(`[data-incident-view="${wide.body.incidentId}"]`).waitFor();
      await page.locator('[data-scope="platform"]').waitFor();
      await page.locator('[data-platform-wide]').waitFor();
      expect(await page.locator('[data-incident-action]').count()).toBe(0);
    });
  });
});
