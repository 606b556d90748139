import { randomBytes } from 'node:crypto';
import { openBrowser, type BrowserSession } from '../support/browser';
import { Inbox, testSmtpUrl } from '../support/mailpit';
import { keyCodes, productWithShop } from '../support/orders';

/**
 * Mailpit's web inbox, the page a developer opens at http://127.0.0.1:8025 under `npm start`, in a
 * real Chromium against the run's Mailpit (the one scripts/install-tools.sh builds, its web app
 * compiled in): an order the product delivers emails its buyer, and the keys email is listed there by
 * its subject and opens to show its HTML, code included.
 */
describe("Mailpit's web inbox", () => {
  const ctx = productWithShop(() => ({ SMTP_URL: testSmtpUrl() }));
  const inbox = new Inbox();
  let b: BrowserSession;

  beforeAll(async () => {
    b = await openBrowser('mailpitInbox', { width: 1280, height: 900 });
  });
  afterAll(() => b?.close());

  it('lists the email the product sent by its subject and opens it', async () => {
    const { page } = b;
    const tag = randomBytes(4).toString('hex');
    const sku = `inbox-${tag}`;
    const productName = `Inbox Check ${tag}`;
    const email = `inbox-${tag}@example.com`;
    const [code] = keyCodes(1, `INBOX${tag.toUpperCase()}`);
    await ctx.shop.product(sku, { name: productName }, [code]);
    await ctx.shop.delivered(sku, email);
    const [mail] = await inbox.receive(email, 1);
    expect(mail.Subject).toBe(`您的卡密已发货：${productName}`);

    const row = page.locator(`[data-testid="message-row"][id="${mail.ID}"]`);
    await b.step('listed', async () => {
      // Without its web app (a Mailpit built from the Go module alone) the page is blank: say so first.
      const app = await fetch(`${inbox.apiUrl}/dist/app.js`);
      expect(`GET /dist/app.js: ${app.status}`).toBe('GET /dist/app.js: 200');
      await page.goto(inbox.apiUrl);
      await expect(row.locator('[data-testid="message-subject"]').innerText()).resolves.toBe(mail.Subject);
      await expect(row.innerText()).resolves.toContain(`To: ${email}`);
    });

    await b.step('opened', async () => {
      await row.click();
      await page.waitForURL(`${inbox.apiUrl}/view/${mail.ID}`);
      await expect(page.locator('th:text-is("Subject") + td').innerText()).resolves.toBe(mail.Subject);
      await expect(page.frameLocator('#preview-html').locator('body').innerText()).resolves.toContain(code);
    });

    // The page's own scripts and styles loaded and ran: a missing /dist/app.js shows here as a failed load.
    expect(b.problems).toEqual([]);
  });
});
