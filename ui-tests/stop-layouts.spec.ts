/**
 * "Stop my server…" on every hub layout, against a real JupyterHub with the
 * real credit service (issue 21.1): the page asks its own server's relay
 * (`POST hub-credits/stop`), which asks the hub with the server's token. It
 * works where servers live on their own origins (subdomain_host), where the
 * page cannot read the hub, and with `auth: cookie`, where a DELETE from
 * the page would fail on the hub's `_xsrf`. A guest of a shared server is
 * refused by the server itself.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { TestHub } from './servers';
import { ITEM, ITEM_TEXT, login } from './helpers';

const PKG = 'jupyterlab-hub-credits';
const DETAILS = '.jp-CreditsDetails';

/**
 * Every stop request the page makes, relay's or hub's: method and URL.
 */
function stopRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (
      url.pathname.endsWith('/hub-credits/stop') ||
      url.pathname.includes('/api/credits/stopserver')
    ) {
      seen.push(`${request.method()} ${url.origin}${url.pathname}`);
    }
  });
  return seen;
}

/**
 * Opens the details, chooses "Stop my server…" and confirms.
 */
async function stopFromDetails(page: Page): Promise<void> {
  await page.locator(ITEM).click();
  const details = page.locator(DETAILS);
  await expect(details).toBeVisible();
  await details.getByRole('button', { name: 'Stop my server…' }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Stop your server?');
  await dialog.getByRole('button', { name: 'Stop server' }).click();
}

/**
 * The owner stops the server from the details; the hub's admin API then
 * lists no server.
 */
async function ownerStops(
  page: Page,
  hub: TestHub,
  user: string
): Promise<string[]> {
  hub.userSettings(user, '@jupyterlab/apputils-extension', 'notification', {
    fetchNews: 'false'
  });
  const requests = stopRequests(page);
  await login(page, hub, user);
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100', {
    timeout: 30000
  });
  expect(Object.keys(await hub.servers(user))).toEqual(['']);
  await stopFromDetails(page);
  await expect(page.locator('.Toastify__toast').first()).toContainText(
    'The hub is stopping your server.'
  );
  await expect.poll(() => hub.servers(user), { timeout: 30000 }).toEqual({});
  // No number presented as live once the server is gone.
  await expect(page.locator(ITEM)).not.toHaveAttribute('data-state', 'live', {
    timeout: 30000
  });
  return requests;
}

test.describe('servers on their own origins (subdomain_host)', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    hub = new TestHub({
      subdomain: true,
      taskInterval: 1,
      billingValue: 1,
      billingInterval: 3600
    });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('the owner stops the server from the details, through the relay', async ({
    page
  }) => {
    const requests = await ownerStops(page, hub, 'alice');
    expect(new URL(page.url()).host).toBe(`alice.localhost:${hub.port}`);
    // Asked once, of the server's own origin; never the hub's.
    expect(requests).toEqual([
      `POST http://alice.localhost:${hub.port}/user/alice/hub-credits/stop`
    ]);
  });
});

test.describe('servers on the hub origin', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    hub = new TestHub({
      taskInterval: 1,
      billingValue: 1,
      billingInterval: 3600
    });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('with auth: cookie (a DELETE from the page would lack the _xsrf) the stop works through the relay', async ({
    page
  }) => {
    hub.userSettings('cody', PKG, 'plugin', { auth: 'cookie' });
    const requests = await ownerStops(page, hub, 'cody');
    expect(requests).toEqual([`POST ${hub.url}/user/cody/hub-credits/stop`]);
    // The hub's own stream (same origin) says why.
    await expect(page.locator(ITEM_TEXT)).toHaveText(
      'Credits: server stopped',
      {
        timeout: 30000
      }
    );
  });

  test("a guest's stop is refused by the server (403) and the owner's server runs on", async ({
    browser
  }) => {
    const owner = await (await browser.newContext()).newPage();
    await login(owner, hub, 'olga');
    const guest = await (await browser.newContext()).newPage();
    await guest.goto(
      `${hub.url}/hub/login?next=${encodeURIComponent('/hub/home')}`
    );
    await guest.fill('#username_input', 'gil');
    await guest.fill('#password_input', hub.password);
    await guest.click('#login_submit');
    await guest.waitForURL('**/hub/home');
    await hub.share('olga', 'gil');
    await guest.goto(hub.labUrl('olga'));
    await guest
      .getByRole('button', { name: 'Authorize' })
      .click({ timeout: 60000 });
    await guest.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
    await expect(guest.locator(ITEM_TEXT)).toContainText('Credits:', {
      timeout: 30000
    });
    // The guest's browser asks the route as JupyterLab would (its cookie
    // and the _xsrf header): the server decides, and says no.
    const answer = await guest.evaluate(async () => {
      const xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
      const response = await fetch('/user/olga/hub-credits/stop', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-XSRFToken': decodeURIComponent(xsrf) }
      });
      return { status: response.status, body: await response.text() };
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('owner');
    await guest.waitForTimeout(2000);
    expect(Object.keys(await hub.servers('olga'))).toEqual(['']);
    await guest.context().close();
    await owner.context().close();
  });
});
