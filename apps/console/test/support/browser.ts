import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: playwright-core drives it, and downloads no browser of its own. */
export const chromiumPath = '/usr/bin/chromium';
/** Without Chromium the browser tests are skipped with a message, except in CI, where they must run. */
export const runnable = existsSync(chromiumPath) || Boolean(process.env.CI);
if (!runnable) {
  console.warn(
    `Skipping the console browser tests: ${chromiumPath} is missing (apt-get install -y chromium). In CI they always run.`,
  );
}

const launchArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One browser per test file: launching costs more than most of the tests in it. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath, args: launchArgs });

export const desktop = { width: 1280, height: 800 } as const;
export const phone = { width: 390, height: 844 } as const;
export type Viewport = { width: number; height: number };
/** A context's cookies and storage, as `context.storageState()` gives them. */
export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

/** Where screenshots go: git-ignored, kept after the run for a person to look at. */
export const artifactsDir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * A fresh context (its own cookies) and page at `viewport`; what the page
 * logs as errors (uncaught exceptions, CSP violations, React warnings) is
 * pushed to `problems`. With `storageState` (an earlier context's cookies),
 * it starts signed in as that context was.
 */
export async function openPage(
  browser: Browser,
  problems: string[],
  viewport: Viewport = desktop,
  storageState?: StorageState,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport,
    ...(viewport.width < 600 && { isMobile: true, hasTouch: true }),
    ...(storageState && { storageState }),
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx fetch as an error; the console shows those itself.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return { context, page };
}

/** A full-page screenshot in the artifacts folder, scrolled to the top so the layout reads as a person sees it. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = `${artifactsDir}${name}.png`;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage });
  return path;
}
