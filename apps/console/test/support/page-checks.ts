import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot, type Viewport } from './browser.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page, as "rule: target" lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the browser's protocol: the console's CSP rightly refuses an inline script tag.
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    return (await axe.run()).violations;
  });
  return results
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/**
 * What every page must be at every size: no sideways scroll of the page, a
 * visible heading, no serious axe violation; then a screenshot named
 * `<name>-<width>` in the artifacts folder.
 */
export async function checkPage(page: Page, name: string, viewport: Viewport): Promise<void> {
  const heading = page.getByRole('heading', { level: 1 }).first();
  await heading.waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), name).toBe(true);
  expect(await heading.isVisible(), name).toBe(true);
  expect(await seriousViolations(page), name).toEqual([]);
  await screenshot(page, `${name}-${viewport.width}`);
}

/** Signs in through the console's own form, naming the workspace, and waits for the skills page. */
export async function signInThroughForm(
  page: Page,
  baseUrl: string,
  who: { workspace: string; email: string; password: string },
): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.getByLabel('Workspace').fill(who.workspace);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Skills' }).waitFor();
}
