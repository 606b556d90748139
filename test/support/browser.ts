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

/** One browser per test file, a phone-sized page unless told otherwise. */
export async function openBrowser(file: string, viewport = { width: 390, height: 844 }): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport, locale: 'en-US' });
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
