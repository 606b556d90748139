import { openBrowser, pageWidth, signIn, type BrowserSession } from '../support/browser';
import { DEV } from '../support/http';
import { expectStatus, productWithShop } from '../support/orders';

/**
 * The public status banner in a real Chromium, at a phone's width: the public report page and the
 * console show an open incident's public note, then the resolved one's, and nothing private (no
 * incident id, no one's key name).
 */
describe('the incident banner in a browser', () => {
  const ctx = productWithShop();
  let b: BrowserSession;
  beforeAll(async () => {
    b = await openBrowser('incidents');
  });
  afterAll(() => b?.close());
  afterEach(() => expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]));

  it('shows no banner while all is well, the open incident with its note, then the resolved one', async () => {
    const { product, shop } = ctx;
    const { page } = b;
    await b.step('all well', async () => {
      await page.goto(`${product.api.url}/report`);
      await page.locator('[data-report]').waitFor();
      expect(await page.locator('[data-status-banner]').count()).toBe(0);
    });

    const declared = await shop.ops.post('/v1/incidents', {
      title: 'Card payments delayed',
      cause: 'payment_provider',
      startedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      publicNote: 'Payments by card are confirmed late. Nobody loses money: every paid order will get its keys.',
    });
    expectStatus(declared, 201, 'declare');
    const { incidentId } = declared.body;

    await b.step('open on /report', async () => {
      await page.goto(`${product.api.url}/report`);
      const open = page.locator('[data-status-banner] [data-incident="OPEN"]');
      await open.waitFor();
      expect(await open.textContent()).toContain('Card payments delayed');
      expect(await open.textContent()).toContain('Nobody loses money');
      expect(await page.locator('[data-status-banner]').innerHTML()).not.toContain(incidentId);
      expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    });

    await b.step('open in the console', async () => {
      await signIn(page, product.api.url, DEV.agent);
      await page.locator('[data-status-banner] [data-incident="OPEN"]').waitFor();
      expect(await page.locator('[data-status-banner]').textContent()).toContain('Card payments delayed');
    });

    expectStatus(await shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'Fixed: all delayed payments were confirmed and delivered.' }), 200, 'resolve');
    await b.step('resolved on /report', async () => {
      await page.goto(`${product.api.url}/report`);
      const resolved = page.locator('[data-status-banner] [data-incident="RESOLVED"]');
      await resolved.waitFor();
      expect(await resolved.textContent()).toContain('Fixed: all delayed payments were confirmed and delivered.');
      expect(await page.locator('[data-status-banner] [data-incident="OPEN"]').count()).toBe(0);
      const banner = await page.locator('[data-status-banner]').innerHTML();
      expect(banner).not.toContain(incidentId);
      expect(banner).not.toContain(declared.body.openedBy);
      expect(banner).not.toContain('@');
    });
  });
});
