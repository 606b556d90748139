import { randomBytes } from 'node:crypto';
import { atEachWidth, englishShown, openBrowser, pageWidth, signIn, type BrowserSession } from '../support/browser';
import { ApiClient } from '../support/http';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { productWithShop } from '../support/orders';
import { readSettings } from '../../db/merchantSettings';
import { MASKED } from '../../domain/merchantSettings';

/**
 * A merchant's settings page, in a real Chromium over the running API: its admin sets the webhook
 * and the complaint deadlines, sees the secrets masked after a reload (never in the page), keeps a
 * stored secret by leaving it empty, reads a refusal beside the field it names, and removes a
 * section only once confirmed; the platform acting for it sees its notice addresses; a key that is
 * not an admin's has no such page.
 */
describe("a merchant's settings page", () => {
  // Providers reach the product at its public address, not at the one the console is opened at.
  const PUBLIC = 'https://pay.shop.example';
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM, PUBLIC_BASE_URL: PUBLIC }));
  const url = () => ctx.product.api.url;
  let acme: Merchant;
  let b: BrowserSession;
  beforeAll(async () => {
    acme = await newMerchant(new ApiClient(url()), ctx.product.config.paymentWebhookSecret, 'acme-settings');
    b = await openBrowser('settings', { width: 1280, height: 900 });
  });
  afterAll(() => b?.close());
  afterEach(() => expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]));

  const stored = () => readSettings(ctx.product.store, ctx.product.vault, acme.merchantId);
  const shown = async () => (await acme.shop.admin.get(`/v1/merchants/${acme.merchantId}/settings`)).body;
  const section = (id: string) => b.page.locator(`form[data-section="${id}"]`);

  it('sets the webhook and the complaint deadlines, masked once saved, refusals beside their field, removed once confirmed', async () => {
    const { page } = b;
    await signIn(page, url(), acme.keys.admin);
    await atEachWidth(b, 'settings', async (width) => {
      const secret = `hook-${width.name}-${randomBytes(12).toString('hex')}`;
      const hookUrl = `https://hooks.example.com/${width.name}`;
      await page.goto(`${url()}/console#/settings`);
      const webhook = section('webhook');
      const policy = section('complaintPolicy');
      await webhook.waitFor();
      expect(await webhook.getAttribute('data-stored')).toBe('no');

      await webhook.locator('input[name="webhook.url"]').fill(hookUrl);
      await webhook.locator('input[name="webhook.secret"]').fill(secret);
      await webhook.locator('button[type="submit"]').click();
      await webhook.locator('.notice-ok').waitFor();
      expect((await stored()).webhook).toEqual({ url: hookUrl, secret });

      // The API refuses a resolution shorter than the first response: said beside that field, nothing saved.
      await policy.locator('input[name="complaintPolicy.firstResponse"]').fill('2h');
      await policy.locator('input[name="complaintPolicy.resolution"]').fill('1h');
      await policy.locator('button[type="submit"]').click();
      const problem = policy.locator('[data-problem="complaintPolicy.resolution"]');
      await problem.waitFor();
      expect(await problem.textContent()).toBe('must be no shorter than firstResponse');
      expect(await policy.locator('[data-problem="complaintPolicy.firstResponse"]').count()).toBe(0);
      expect((await stored()).complaintPolicy).toBeUndefined();
      await policy.locator('input[name="complaintPolicy.resolution"]').fill('3d');
      await policy.locator('button[type="submit"]').click();
      await policy.locator('.notice-ok').waitFor();
      expect(await problem.count()).toBe(0);
      expect((await stored()).complaintPolicy).toEqual({ firstResponse: '2h', resolution: '3d' });

      // After a reload: what was set is shown, the secret is not (the API sent only the mask, and the page shows not even that).
      await page.reload();
      await webhook.waitFor();
      expect(await webhook.getAttribute('data-stored')).toBe('yes');
      expect(await webhook.locator('input[name="webhook.url"]').inputValue()).toBe(hookUrl);
      expect(await webhook.locator('input[name="webhook.secret"]').inputValue()).toBe('');
      expect(await policy.locator('input[name="complaintPolicy.resolution"]').inputValue()).toBe('3d');
      expect((await shown()).webhook).toEqual({ url: hookUrl, secret: MASKED });
      const html = await page.content();
      expect(html).not.toContain(secret);
      expect(html).not.toContain(MASKED);

      // A new URL with the secret left empty keeps the stored secret.
      await webhook.locator('input[name="webhook.url"]').fill(`${hookUrl}/v2`);
      await webhook.locator('button[type="submit"]').click();
      await webhook.locator('.notice-ok').waitFor();
      expect((await stored()).webhook).toEqual({ url: `${hookUrl}/v2`, secret });

      // Removed only from the confirmation's yes: "cancel" keeps it.
      await webhook.locator('[data-remove-section]').click();
      await webhook.locator('[data-confirm="no"]').click();
      expect(await webhook.locator('[data-confirm]').count()).toBe(0);
      expect((await stored()).webhook).toEqual({ url: `${hookUrl}/v2`, secret });
      await webhook.locator('[data-remove-section]').click();
      await webhook.locator('[data-confirm="yes"]').click();
      await page.locator('form[data-section="webhook"][data-stored="no"]').waitFor();
      expect((await stored()).webhook).toBeUndefined();
      expect((await stored()).complaintPolicy).toEqual({ firstResponse: '2h', resolution: '3d' });
      await policy.locator('[data-remove-section]').click();
      await policy.locator('[data-confirm="yes"]').click();
      await page.locator('form[data-section="complaintPolicy"][data-stored="no"]').waitFor();
      expect(await shown()).toEqual({ paymentWebhookSecret: MASKED });
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it("names a rail's field the API refuses, and a secret left empty that none is stored for", async () => {
    const { page } = b;
    await signIn(page, url(), acme.keys.admin);
    await page.goto(`${url()}/console#/settings`);
    const epay = section('rails.epay');
    await epay.locator('input[name="rails.epay.url"]').fill('not a url');
    await epay.locator('input[name="rails.epay.pid"]').fill('1001');
    await epay.locator('button[type="submit"]').click();
    await epay.locator('[data-problem="rails.epay.url"]').waitFor();
    expect(await epay.locator('[data-problem="rails.epay.url"]').textContent()).toBe('must be an http(s) URL');
    await epay.locator('input[name="rails.epay.url"]').fill('https://pay.example.com');
    await epay.locator('button[type="submit"]').click();
    await epay.locator('[data-problem="rails.epay.key"]').waitFor();
    expect(await epay.locator('[data-problem="rails.epay.key"]').textContent()).toBe('is required: none is stored to keep');
    expect(await epay.locator('[data-problem="rails.epay.url"]').count()).toBe(0);
    expect((await stored()).rails).toBeUndefined();
  });

  it('shows the platform, acting for the merchant, its notice addresses, in Chinese as well', async () => {
    const { page } = b;
    await signIn(page, url(), PLATFORM_KEY);
    await page.locator('[data-merchant-switcher]').selectOption(acme.merchantId);
    // Switched once the tabs are acme's (they are drawn again, so a click before may land on another).
    await page.locator(`nav[data-acting-for="${acme.merchantId}"]`).waitFor();
    await page.locator('[data-tab="settings"]').click();
    await page.locator(`[data-settings="${acme.merchantId}"][aria-busy="false"]`).waitFor();
    const addresses = await page.locator('[data-notice-address]').evaluateAll((els) => els.map((e) => e.getAttribute('data-notice-address')));
    expect(addresses).toEqual([
      `${PUBLIC}/v1/payments/notify/${acme.merchantId}`,
      ...['alipay', 'wechatpay', 'stripe', 'epay'].map((rail) => `${PUBLIC}/v1/rails/${rail}/notify/${acme.merchantId}`),
    ]);
    expect(await section('paymentWebhookSecret').getAttribute('data-stored')).toBe('yes');
    await page.locator('[data-lang-toggle]').click();
    await atEachWidth(b, 'chinese', async (width) => {
      await page.locator('[data-tab="settings"]', { hasText: '设置' }).waitFor();
      expect(await englishShown(page)).toEqual([]);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
    await page.locator('[data-lang-toggle]').click();
  });

  it('is not offered to a key that is not an admin', async () => {
    const { page } = b;
    await signIn(page, url(), acme.keys.agent);
    await page.goto(`${url()}/console#/settings`);
    await page.locator('[data-tab="orders"]').waitFor();
    expect(await page.locator('[data-tab="settings"]').count()).toBe(0);
    expect(await page.locator('[data-settings]').count()).toBe(0);
    // And the API behind it refuses the agent too.
    expect((await acme.shop.agent.get(`/v1/merchants/${acme.merchantId}/settings`)).status).toBe(403);
  });
});
