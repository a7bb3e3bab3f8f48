/**
 * Credits on every hub layout, against a real JupyterHub with the real
 * credit service: servers on their own origins (subdomain_host), where the
 * browser cannot read the hub and the relay in the single-user server does;
 * and a guest of a shared server, who reads the owner's server's credits
 * through the relay and is offered no stop.
 */
import { expect, test } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import { TestHub } from './servers';
import { ITEM, ITEM_TEXT, login } from './helpers';

/**
 * Every request the page makes to a credits route, hub's or relay's
 * (without the query).
 */
function creditRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (
      url.pathname.includes('/api/credits') ||
      url.pathname.includes('/hub-credits/')
    ) {
      // JupyterLab's own requests add a cache-busting number, nothing else.
      expect(url.search).toMatch(/^(\?\d+)?$/);
      urls.push(`${url.origin}${url.pathname}`);
    }
  });
  return urls;
}

/**
 * The relay's own figures, asked from the page as JupyterLab asks its server.
 */
async function relayStatus(
  page: Page,
  owner: string
): Promise<{ listeners: number; hub_connections: number; state: string }> {
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

test.describe('servers on their own origins (subdomain_host)', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    // Bills slowly: the balances the test sets hold still.
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

  test('the item shows the hub balance through the relay and follows a change', async ({
    page
  }) => {
    const requests = creditRequests(page);
    await login(page, hub, 'alice');
    expect(new URL(page.url()).host).toBe(`alice.localhost:${hub.port}`);
    const item = page.locator(ITEM_TEXT);
    await expect(item).toHaveText(
      /^Credits: 100 \/ 100 · community1: [\d,]+ \/ 1,000$/,
      {
        timeout: 30000
      }
    );
    await hub.setUserCredits('alice', { balance: 42 });
    await expect(item).toContainText('Credits: 42 / 100', { timeout: 10000 });
    // Only the relay was asked: the hub's origin cannot be read from here.
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) {
      expect(url).toBe(
        `http://alice.localhost:${hub.port}/user/alice/hub-credits/stream`
      );
    }
    await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'live');
  });

  test('two browsers with two tabs each: one hub stream', async ({
    browser
  }) => {
    const pages = await twoBrowsersTwoTabs(browser, hub, 'carol');
    for (const page of pages) {
      await expect(page.locator(ITEM_TEXT)).toContainText(
        'Credits: 100 / 100',
        {
          timeout: 30000
        }
      );
    }
    await hub.setUserCredits('carol', { balance: 55 });
    for (const page of pages) {
      await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 55 / 100', {
        timeout: 10000
      });
    }
    const status = await relayStatus(pages[0], 'carol');
    // One leader tab per browser listens; the relay holds one hub stream.
    expect(status.listeners).toBe(2);
    expect(status.hub_connections).toBe(1);
    expect(status.state).toBe('live');
    for (const page of pages) {
      await page.context().close();
    }
  });
});

/**
 * Logs `user` in from two browser contexts, and opens a second tab in each.
 */
async function twoBrowsersTwoTabs(
  browser: Browser,
  hub: TestHub,
  user: string
): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext();
    const first = await context.newPage();
    await login(first, hub, user);
    const second = await context.newPage();
    await second.goto(hub.labUrl(user));
    await second.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
    pages.push(first, second);
  }
  return pages;
}

test.describe('a guest of a shared server', () => {
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

  test("sees the credits that pay for the owner's server, follows a change, and is offered no stop", async ({
    browser
  }) => {
    const owner = await (await browser.newContext()).newPage();
    await login(owner, hub, 'olivia');
    await hub.setUserCredits('olivia', { balance: 77 });
    await expect(owner.locator(ITEM_TEXT)).toContainText('Credits: 77 / 100', {
      timeout: 30000
    });

    const guest = await (await browser.newContext()).newPage();
    const requests = creditRequests(guest);
    // The guest logs in without a server of his own; olivia shares hers;
    // he opens it and confirms the hub's authorization page once.
    await guest.goto(
      `${hub.url}/hub/login?next=${encodeURIComponent('/hub/home')}`
    );
    await guest.fill('#username_input', 'gus');
    await guest.fill('#password_input', hub.password);
    await guest.click('#login_submit');
    await guest.waitForURL('**/hub/home');
    await hub.setUserCredits('gus', { balance: 33 });
    await hub.share('olivia', 'gus');
    await guest.goto(hub.labUrl('olivia'));
    const authorize = guest.getByRole('button', { name: 'Authorize' });
    await authorize.click({ timeout: 60000 });
    await guest.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });

    const item = guest.locator(ITEM_TEXT);
    await expect(item).toContainText('Credits: 77 / 100', { timeout: 30000 });
    await hub.setUserCredits('olivia', { balance: 66 });
    await expect(item).toContainText('Credits: 66 / 100', { timeout: 10000 });
    for (const url of requests) {
      expect(url).toBe(`${hub.url}/user/olivia/hub-credits/stream`);
    }

    // No stop: not in the details, not in the palette, and running the
    // command anyway stops nothing.
    await guest.locator(ITEM).click();
    await expect(guest.locator('.jp-CreditsDetails')).toBeVisible();
    await expect(
      guest.locator('.jp-CreditsDetails').getByRole('button', {
        name: 'Reconnect'
      })
    ).toBeVisible();
    await expect(
      guest.getByRole('button', { name: 'Stop my server…' })
    ).toHaveCount(0);
    const offered = await guest.evaluate(() => {
      const app = (
        window as unknown as {
          jupyterapp: {
            commands: {
              isVisible(id: string): boolean;
              isEnabled(id: string): boolean;
              execute(id: string): Promise<unknown>;
            };
          };
        }
      ).jupyterapp;
      const id = 'hub-credits:stop-server';
      const result = {
        visible: app.commands.isVisible(id),
        enabled: app.commands.isEnabled(id)
      };
      void app.commands.execute(id);
      return result;
    });
    expect(offered).toEqual({ visible: false, enabled: false });
    await expect(guest.locator('.jp-Dialog')).toHaveCount(0);
    await guest.waitForTimeout(3000);
    expect(Object.keys(await hub.servers('olivia'))).toEqual(['']);
    await guest.context().close();
    await owner.context().close();
  });
});
