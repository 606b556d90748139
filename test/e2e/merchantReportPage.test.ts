import { PAGE_POLICY } from '../../api/routes/console';
import { startProduct, type Product } from '../support/harness';
import { ApiClient } from '../support/http';
import { PLATFORM_KEY, WITH_PLATFORM } from '../support/merchants';
import { expectStatus } from '../support/orders';

/**
 * `/report/:merchantId` over plain HTTP: the report page for a merchant that exists (the page then
 * reads that merchant's figures), `/report` as before; for one that does not, a browser gets a page
 * saying so (404) and any other client the contract's error.
 */
describe('the report page of one merchant', () => {
  let product: Product;
  let url: string;
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  beforeAll(async () => {
    product = await startProduct({ API_KEYS: WITH_PLATFORM }, { worker: false });
    url = product.api.url;
    const created = await new ApiClient(url).as(PLATFORM_KEY).post('/v1/merchants', { merchantId: 'acme-cards', name: 'Acme', contactEmail: 'owner@acme.example' });
    expectStatus(created, 201, 'create acme-cards');
  });
  afterAll(() => product?.stop());

  const page = async (path: string, headers: Record<string, string> = browser) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy'), text: await res.text() };
  };

  it("serves the report page for a merchant that exists, under the pages' policy, and /report as before", async () => {
    const report = await page('/report');
    expect(report.status).toBe(200);
    for (const path of ['/report/acme-cards', '/report/default', '/report/acme-cards?month=2026-11']) {
      const answer = await page(path);
      expect({ path, status: answer.status, type: answer.type, csp: answer.csp }).toEqual({ path, status: 200, type: expect.stringContaining('text/html'), csp: PAGE_POLICY });
      expect(answer.text).toBe(report.text);
      expect(answer.text).toContain('<script type="module" src="/console/assets/report.js"></script>');
    }
  });

  it('shows a browser a page saying there is no such merchant, in both languages', async () => {
    for (const path of ['/report/no-such-shop', '/report/Not%20An%20Id']) {
      const answer = await page(path);
      expect({ path, status: answer.status, type: answer.type, csp: answer.csp }).toEqual({ path, status: 404, type: expect.stringContaining('text/html'), csp: PAGE_POLICY });
      expect(answer.text).toContain('No such merchant');
      expect(answer.text).toContain('没有这个商户');
      expect(answer.text).toContain('href="/report"');
    }
  });

  it("answers any other client with the contract's error", async () => {
    const missing = await page('/report/no-such-shop', { accept: 'application/json' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error).toEqual({ code: 'not_found', message: 'merchant no-such-shop does not exist', details: [] });
    const bad = await page('/report/Not%20An%20Id', {});
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatchObject({ code: 'invalid_request', details: [{ path: 'merchantId', reason: 'must be 3-40 lower-case letters, digits or "-"' }] });
  });
});
