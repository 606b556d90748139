import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the failing page's screenshot goes (ignored by git). */
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

/** Debian's chromium, installed by scripts/install-tools.sh; CHROMIUM_PATH names another. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `Chromium is not installed (looked at ${candidates.join(', ')}): the browser tests cannot run. ` +
        'Run `npm run setup` (scripts/install-tools.sh installs it with apt-get) or set CHROMIUM_PATH.',
    );
  }
  return found;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions the page raised (a CSP violation shows here). */
  problems: string[];
  /** Run a step; on failure, screenshot the page under test/artifacts/ and fail with the cause. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One browser per test file, a phone-sized page unless told otherwise; on the machine's clock unless given a `timezoneId`. */
export async function openBrowser(file: string, viewport = { width: 390, height: 844 }, { timezoneId }: { timezoneId?: string } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport, locale: 'en-US', ...(timezoneId ? { timezoneId } : {}) });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return {
    browser,
    page,
    problems,
    async step(name, fn) {
      try {
        return await fn();
      } catch (err) {
        mkdirSync(ARTIFACTS, { recursive: true });
        const shot = join(ARTIFACTS, `${file}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
        await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
        (err as Error).message = `${name}: ${(err as Error).message}\n(screenshot: ${shot})`;
        throw err;
      }
    },
    close: () => browser.close(),
  };
}

/** The widths every console test looks at: a desk's and a phone's. */
export const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
export type Width = (typeof WIDTHS)[number];

/** Sign in to the console as a fresh tab would: no key kept from an earlier sign-in. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  // Cleared from a page of the same origin that runs no console: signed in, the console would
  // start loading its views with the old key, and lose it mid-flight.
  await page.goto(`${baseUrl}/healthz`);
  await page.evaluate('sessionStorage.clear()');
  await page.goto(`${baseUrl}/console`);
  await page.locator('#api-key').fill(key);
  await page.locator('form.signin button[type="submit"]').click();
  await page.locator('[data-me], [data-not-for]').first().waitFor();
}

/** Whether the element is where the eye is: wholly inside the viewport, no scrolling needed. */
export async function inView(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const viewport = page.viewportSize();
  return Boolean(box && viewport && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width);
}

/** Nothing wider than the screen: the page never scrolls sideways. */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

/** A step at each width in turn, each with its own screenshot on failure (`<step>-desktop`, `<step>-phone`). */
export async function atEachWidth(b: BrowserSession, step: string, fn: (width: Width) => Promise<void>): Promise<void> {
  for (const width of WIDTHS) {
    await b.page.setViewportSize(width);
    await b.step(`${step}-${width.name}`, () => fn(width));
  }
}

/**
 * The English words of the console's dictionaries that the page shows, though it is in Chinese:
 * the API's own prose (marked lang="en") and words a role's name repeats are not counted.
 */
export async function englishShown(page: Page): Promise<string[]> {
  const dictionaries = (await page.evaluate(`import('/console/assets/i18n.js').then((m) => m.dictionaries)`)) as Record<'en' | 'zh', Record<string, string>>;
  const english = Object.entries(dictionaries.en)
    // A role's name is part of a key's own name too ("dev-admin"): its word is checked beside it, not alone.
    .filter(([key, text]) => dictionaries.zh[key] !== text && !text.includes('{') && text.length >= 4 && !key.startsWith('role_'))
    .map(([, text]) => text);
  const shown = (await page.evaluate(`(() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll('[lang="en"]').forEach((e) => e.remove());
    const attributes = [...copy.querySelectorAll('[placeholder], [aria-label], [title]')].map((e) => [e.getAttribute('placeholder'), e.getAttribute('aria-label'), e.getAttribute('title')].join(' '));
    document.body.appendChild(copy);
    copy.hidden = false;
    const text = copy.innerText;
    copy.remove();
    return text + ' ' + attributes.join(' ');
  })()`)) as string;
  return english.filter((text) => shown.includes(text));
}
