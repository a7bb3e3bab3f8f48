/**
 * Shared steps of the real-hub browser tests.
 */
import { expect } from '@playwright/test';
import * as fs from 'fs';
import type { BrowserContext, Page } from '@playwright/test';
import type { TestHub } from './servers';

export const ITEM = '#jp-main-statusbar .jp-CreditsStatus';
export const ITEM_TEXT = `${ITEM} .jp-CreditsStatus-text`;

/**
 * Logs in through the hub's form; the hub then spawns the default server
 * (a quiet JupyterLab, see `TestHub.home`) and redirects to JupyterLab.
 */
export async function login(
  page: Page,
  hub: TestHub,
  user: string
): Promise<void> {
  hub.home(user);
  await page.goto(`${hub.url}/hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', hub.password);
  await page.click('#login_submit');
  await page.waitForURL(`**/user/${user}/lab**`, { timeout: 120000 });
  await labSettled(page);
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
  await labSettled(page);
}

/**
 * Waits until JupyterLab has the status bar and something in its main
 * area. After restoring its file browser, JupyterLab opens a launcher into
 * an empty main area and focuses it, seconds after the status bar shows: a
 * keyboard test that starts earlier loses its focus to it.
 */
export async function labSettled(page: Page): Promise<void> {
  await page.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
  await page
    .locator('#jp-main-dock-panel .lm-DockPanel-widget')
    .first()
    .waitFor({ timeout: 60000 });
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
 * jupyterhub-singleuser sets it, written into the page's config element
 * before JupyterLab reads it. (An init script rather than a rewritten
 * document: a document served by Playwright counts as public address
 * space, and Chromium then blocks its requests to 127.0.0.1.)
 */
export async function pretendHub(
  page: Page,
  options: { user?: string; hubHost?: string } = {}
): Promise<void> {
  const user = options.user ?? 'tester';
  const hub = {
    hubPrefix: '/hub/',
    hubHost: options.hubHost ?? '',
    hubUser: user,
    hubServerUser: user,
    hubServerName: ''
  };
  await page.addInitScript(values => {
    const patch = (element: Element) => {
      const config = JSON.parse(element.textContent || '{}');
      element.textContent = JSON.stringify({ ...config, ...values });
    };
    const observer = new MutationObserver(() => {
      const element = document.getElementById('jupyter-config-data');
      if (element && element.textContent) {
        observer.disconnect();
        patch(element);
      }
    });
    observer.observe(document, {
      childList: true,
      subtree: true,
      characterData: true
    });
  }, hub);
}

/**
 * Opens JupyterLab's command palette (Ctrl+Shift+C), retrying the shortcut
 * until the palette shows: it toggles, and a press during a focus change
 * can be lost.
 */
export async function openPalette(page: Page): Promise<void> {
  const input = page.locator('.lm-CommandPalette-input');
  await expect(async () => {
    if (!(await input.isVisible())) {
      await page.locator('#jp-main-dock-panel').click();
      await page.keyboard.press('Control+Shift+C');
    }
    await expect(input).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30000 });
}

/**
 * Closes the command palette and waits until it is gone.
 */
export async function closePalette(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await expect(page.locator('.lm-CommandPalette-input')).toBeHidden();
}

/**
 * Finds an enabled command in the palette by its label, then runs it
 * (`run`) or just closes the palette. The modal palette closes when it
 * loses focus (a toast, JupyterLab focusing a widget), so opening and
 * searching are retried together.
 */
export async function findInPalette(
  page: Page,
  label: string,
  run = true
): Promise<void> {
  const entry = page
    .locator('.lm-CommandPalette-item:not(.lm-mod-disabled)', {
      hasText: label
    })
    .first();
  await expect(async () => {
    await openPalette(page);
    await page
      .locator('.lm-CommandPalette-input')
      .fill(label, { timeout: 2000 });
    await expect(entry).toBeVisible({ timeout: 2000 });
    if (run) {
      await entry.click({ timeout: 2000 });
    }
  }).toPass({ timeout: 60000 });
  if (!run) {
    await closePalette(page);
  }
}

/**
 * Runs an enabled command from the palette by its label.
 */
export async function runFromPalette(page: Page, label: string): Promise<void> {
  await findInPalette(page, label, true);
}

/**
 * A notebook file with one code cell (empty by default), so a test edits
 * or runs a titled document.
 */
export function writeNotebook(file: string, source = ''): void {
  fs.writeFileSync(
    file,
    JSON.stringify({
      cells: [
        {
          cell_type: 'code',
          source,
          metadata: {},
          outputs: [],
          execution_count: null
        }
      ],
      metadata: {
        kernelspec: {
          name: 'python3',
          display_name: 'Python 3',
          language: 'python'
        }
      },
      nbformat: 4,
      nbformat_minor: 5
    })
  );
}

/**
 * Every request the page makes to a credits route, hub's or relay's
 * (without the query, which may say only whether someone looks).
 */
export function creditRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (
      url.pathname.includes('/api/credits') ||
      url.pathname.includes('/hub-credits/')
    ) {
      // Never a token in a URL: a hidden page's lease says how long, a
      // history read says since when, JupyterLab may add a cache-busting
      // number; nothing else.
      for (const [key, value] of url.searchParams) {
        expect(
          ((key === 'lease' || key === 'lead') && /^\d+$/.test(value)) ||
            (key === 'after' && /^\d+(\.\d+)?$/.test(value)) ||
            (/^\d+$/.test(key) && value === ''),
          `a query that says only how long, since when or nothing: ${url.search}`
        ).toBe(true);
      }
      urls.push(`${url.origin}${url.pathname}`);
    }
  });
  return urls;
}

/**
 * The server part's own figures (`GET hub-credits/status`), asked from the
 * page as JupyterLab asks its server.
 */
export async function relayStatus(
  page: Page,
  owner: string
): Promise<{
  claimed: boolean;
  hub_connections: number;
  hub_polls: number;
  state: string;
  mode: string;
}> {
  return page.evaluate(async owner => {
    const config = JSON.parse(
      document.getElementById('jupyter-config-data')!.textContent!
    ) as { token: string };
    const response = await fetch(`/user/${owner}/hub-credits/status`, {
      headers: { Authorization: `token ${config.token}` }
    });
    return response.json();
  }, owner);
}

/**
 * Records every request a browser context sends to the hub's API (the
 * page sends none: the server part is the one reader of the hub).
 */
export function hubApiRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', request => {
    if (/\/hub\/api\/credits/.test(new URL(request.url()).pathname)) {
      urls.push(request.url());
    }
  });
  return urls;
}
