/**
 * Shared steps of the real-hub browser tests.
 */
import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import type { TestHub } from './servers';

export const ITEM = '#jp-main-statusbar .jp-CreditsStatus';
export const ITEM_TEXT = `${ITEM} .jp-CreditsStatus-text`;

/**
 * Logs in through the hub's form; the hub then spawns the default server
 * and redirects to JupyterLab.
 */
export async function login(
  page: Page,
  hub: TestHub,
  user: string
): Promise<void> {
  await page.goto(`${hub.url}/hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', hub.password);
  await page.click('#login_submit');
  await page.waitForURL(`**/user/${user}/lab**`, { timeout: 120000 });
  await page.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
}

/**
 * Opens JupyterLab of an already logged-in user in a page.
 */
export async function openLab(
  page: Page,
  hub: TestHub,
  user: string
): Promise<void> {
  await page.goto(`${hub.url}/user/${user}/lab`);
  await page.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
}

/**
 * The hub token JupyterLab got in its PageConfig.
 */
export async function pageToken(page: Page): Promise<string> {
  const config = await page
    .locator('#jupyter-config-data')
    .textContent({ timeout: 10000 });
  const token = (JSON.parse(config ?? '{}') as { token?: string }).token ?? '';
  expect(token.length).toBeGreaterThan(8);
  return token;
}
