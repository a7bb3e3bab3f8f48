/**
 * Credits where servers run on their own origins (subdomain_host), against
 * a real JupyterHub with the real credit service: the browser cannot read
 * the hub and the relay in the single-user server does. (A guest of a
 * shared server: guest.spec.ts.)
 */
import { expect, test } from './fixtures';
import type { Browser, Page } from '@playwright/test';
import type { TestHub } from './servers';
import { ITEM, ITEM_TEXT, creditRequests, login, relayStatus } from './helpers';

// Bills slowly: the balances the test sets hold still.
test.use({
  hubOptions: {
    subdomain: true,
    taskInterval: 1,
    billingValue: 1,
    billingInterval: 3600
  }
});

test.describe('servers on their own origins (subdomain_host)', () => {
  test('the item shows the hub balance through the relay and follows a change', async ({
    page,
    hub
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
    // Only the server part was asked, never the hub.
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) {
      expect(url).toMatch(
        new RegExp(
          `^http://alice\\.localhost:${hub.port}/user/alice/hub-credits/(state|claim)$`
        )
      );
    }
    await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'live');
  });

  test('two browsers with two tabs each: one hub stream, no listener', async ({
    browser,
    hub
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
    // No page holds a connection of its own; their claims keep one hub stream.
    expect(status.hub_connections).toBe(1);
    expect(status.claimed).toBe(true);
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
