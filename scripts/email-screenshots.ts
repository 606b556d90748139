/**
 * Screenshots of the keys-delivered email as a buyer sees it, for docs/buyer-emails.md, from a real
 * order through the whole stack: a Temporal dev server, the embedded store and a Mailpit of its own
 * (on free ports), the worker and the API in this process; a product with usage instructions in
 * both languages, one order per language placed and paid the way a storefront does (a signed
 * payment notice), and the email that Mailpit received, opened in Mailpit's own viewer in Chromium.
 *
 *   npm run email-screenshots                # writes docs/buyer-email-zh.png and docs/buyer-email-en.png
 *   npm run email-screenshots -- --out /tmp  # elsewhere
 *
 * Chinese needs a CJK font where Chromium runs (Debian: `apt-get install fonts-noto-cjk`); without
 * one the script says so and the Chinese shows as boxes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { chromium } from 'playwright-core';
import { startApi } from '../api/server';
import { adminOf, importStock, shippedProductEnv } from '../bench/run';
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { sign } from '../security/signature';
import { chromiumPath } from '../test/support/browser';
import { startWorker } from '../worker/worker';
import { freePort, startStack } from './stack';
import { REPO_ROOT, optionsOrExit } from './tools';

const SKU = 'steam-wallet-100';
const INSTRUCTIONS = {
  zh: '打开 Steam 客户端，点击左上角「Steam」→「兑换 Steam 钱包充值码」，粘贴卡密并确认。充值码区分大小写，请勿包含空格。',
  en: 'Open the Steam client, choose Steam → "Redeem a Steam Wallet Code", paste the code and confirm. Codes are case-sensitive; leave out spaces.',
};
const BUYERS = [
  { locale: 'zh-CN', email: 'wang.fang@example.com', file: 'buyer-email-zh.png' },
  { locale: 'en', email: 'alex.chen@example.com', file: 'buyer-email-en.png' },
] as const;

interface MailSummary {
  ID: string;
  To: { Address: string }[];
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== false) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
const who = (a: { Name?: string; Address: string }) => escape(a.Name ? `${a.Name} <${a.Address}>` : a.Address);

/** A plain mail reader's page: the message's headers, then its HTML body in a frame of its own. */
function inboxPage(message: { From: { Name?: string; Address: string }; To: { Name?: string; Address: string }[]; Subject: string; Date: string }, bodyUrl: string): string {
  const row = (label: string, value: string) => `<tr><th>${label}</th><td>${value}</td></tr>`;
  return `<!doctype html><meta charset="utf-8"><style>
    body { margin: 0; font: 14px/1.4 system-ui, "Noto Sans CJK SC", sans-serif; background: #f3f4f6; }
    header { background: #fff; border-bottom: 1px solid #ddd; padding: 12px 16px; }
    h1 { font-size: 18px; margin: 0 0 8px; }
    th { text-align: left; color: #666; font-weight: normal; padding-right: 12px; }
    iframe { display: block; width: calc(100% - 32px); margin: 16px; border: 1px solid #ddd; background: #fff; height: 200px; }
  </style><header><h1>${escape(message.Subject)}</h1><table>
    ${row('From', who(message.From))}${row('To', message.To.map(who).join(', '))}${row('Date', escape(new Date(message.Date).toUTCString()))}
  </table></header><iframe src="${escape(bodyUrl)}"></iframe>`;
}

function hasCjkFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = optionsOrExit(() => parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', default: false } } }), 'usage: npm run email-screenshots -- [--out DIR]');
  if (values.help) return say('usage: npm run email-screenshots -- [--out DIR]');
  const out = values.out ?? join(REPO_ROOT, 'docs');
  if (!hasCjkFont()) say('warning: no CJK font is installed (fc-list :lang=zh is empty): the Chinese email will show boxes. Debian: apt-get install fonts-noto-cjk');

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-email-shots-'));
  const stack = await startStack({
    temporalPort: await freePort(),
    mongoPort: await freePort(),
    uiPort: 0,
    dataDir: dir,
    mail: { smtpPort: await freePort(), httpPort: await freePort() },
    log: (m) => say(`stack: ${m}`),
  });
  const stops: (() => Promise<unknown>)[] = [() => stack.stop()];
  try {
    if (!stack.smtpUrl || !stack.mailUrl) throw new Error('no Mailpit was started (is SMTP_URL set? unset it for this script)');
    const product = shippedProductEnv(stack, 'shots', dir, 'warn', ['admin', 'storefront']);
    const env = { ...product.env, PORT: '0', SMTP_URL: stack.smtpUrl, EMAIL_FROM: 'Kamiflow Shop <no-reply@shop.example.com>', PUBLIC_BASE_URL: 'https://shop.example.com' };
    const logger = createLogger('warn');
    say('starting the worker and the API');
    const worker = await startWorker(loadConfig(env), logger);
    stops.unshift(() => worker.stop());
    const api = await startApi(loadConfig(env), logger);
    stops.unshift(() => api.stop());

    const admin = adminOf(api.url, product.keys.admin);
    await admin('PUT', `/v1/products/${SKU}`, { name: 'Steam 钱包充值卡 ¥100', price: { amount: 10000, currency: 'CNY' }, instructions: INSTRUCTIONS });
    await importStock(admin, SKU, BUYERS.length, 'SHOT');

    const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    stops.unshift(() => browser.close());
    for (const buyer of BUYERS) {
      const created = await json(`${api.url}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${product.keys.storefront}` },
        body: JSON.stringify({ sku: SKU, buyer: { email: buyer.email, locale: buyer.locale } }),
      });
      const raw = JSON.stringify({ eventId: `evt-shot-${created.orderId}`, orderId: created.orderId, paymentId: `pay-${created.orderId}`, status: 'succeeded', amount: created.amount });
      await json(`${api.url}/v1/payments/notify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(raw, product.webhookSecret) }, body: raw });
      say(`order ${created.orderId} (${buyer.locale}) paid; waiting for its email`);
      const mail = await until(`the email to ${buyer.email}`, 60_000, async () => {
        const { messages } = (await json(`${stack.mailUrl}/api/v1/messages?limit=50`)) as { messages: MailSummary[] };
        return messages.find((m) => m.To.some((t) => t.Address === buyer.email)) ?? false;
      });

      // The message as Mailpit received it: its headers from Mailpit's API above its HTML body as
      // Mailpit serves it (/view/<ID>.html), on a page of its own rather than in Mailpit's web inbox,
      // so the picture holds just the email, and all of it, without the inbox's lists and menus.
      const message = await json(`${stack.mailUrl}/api/v1/message/${mail.ID}`);
      const page = await browser.newPage({ viewport: { width: 900, height: 400 }, locale: buyer.locale, deviceScaleFactor: 1 });
      await page.setContent(inboxPage(message, `${stack.mailUrl}/view/${mail.ID}.html`), { waitUntil: 'load' });
      const body = page.frameLocator('iframe');
      await body.getByText(created.orderId).first().waitFor({ timeout: 30_000 });
      // The frame as tall as the email, so the whole of it is in the picture.
      const height = await page.frames()[1].evaluate<number>('document.body.scrollHeight');
      await page.evaluate(`document.querySelector('iframe').style.height = '${height + 16}px'`);
      await mkdir(out, { recursive: true });
      const file = join(out, buyer.file);
      await page.screenshot({ path: file, fullPage: true });
      await page.close();
      say(`wrote ${file}`);
    }
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`email-screenshots: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
