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

/**
 * Makes a plain JupyterLab page believe it runs under a hub: PageConfig as
 * jupyterhub-singleuser sets it, injected into the page's HTML.
 */
export async function pretendHub(
  page: Page,
  documentUrl: string,
  user = 'tester'
): Promise<void> {
  await page.route(documentUrl, async route => {
    if (route.request().resourceType() !== 'document') {
      return route.fallback();
    }
    const response = await route.fetch();
    const html = (await response.text()).replace(
      /(<script id="jupyter-config-data" type="application\/json">)([\s\S]*?)(<\/script>)/,
      (_all, open: string, json: string, close: string) => {
        const config = JSON.parse(json);
        Object.assign(config, {
          hubPrefix: '/hub/',
          hubHost: '',
          hubUser: user,
          hubServerUser: user,
          hubServerName: ''
        });
        return open + JSON.stringify(config) + close;
      }
    );
    await route.fulfill({ response, body: html });
  });
}

/**
 * Serves the per-server credits stream of `user` at the network edge: each
 * connection gets one event from `next()`, then the stream ends.
 */
export async function mockStream(
  page: Page,
  next: () => string,
  user = 'tester'
): Promise<void> {
  await page.route(`**/hub/api/credits/sseserver/${user}`, route =>
    route.fulfill({
      status: 200,
      headers: { 'Content-Type': 'text/event-stream' },
      body: `\n\ndata: ${next()}\n\n`
    })
  );
}
