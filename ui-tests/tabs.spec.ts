/**
 * Eight tabs of one server on a plain-HTTP hub (`hub.test`, mapped to
 * 127.0.0.1 inside Chromium: no secure context, no Web Locks): every tab
 * shows the credits, the server part holds one stream to the hub, and
 * JupyterLab's own requests are still answered at once in each (a
 * connection held per tab would take one of the browser's six HTTP/1.1
 * connections to the origin).
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { TestHub } from './servers';
import { ITEM_TEXT, hubApiRequests, relayStatus } from './helpers';
import config from './playwright.config';

const HOST = 'hub.test';

test.use({
  launchOptions: {
    ...config.use!.launchOptions,
    args: [
      ...(config.use!.launchOptions!.args ?? []),
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`
    ]
  }
});

let hub: TestHub;

test.beforeAll(async () => {
  hub = new TestHub({ taskInterval: 1, billingInterval: 3600 });
  await hub.start();
});

test.afterAll(async () => {
  await hub?.dispose();
});

/**
 * The contents API of this server, as JupyterLab asks it (its XSRF
 * header), answered within 10 s: the status, or 0 when it stalled.
 */
async function contentsStatus(page: Page, user: string): Promise<number> {
  return page.evaluate(async user => {
    const xsrf = /(?:^|; )_xsrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
    const request = fetch(`/user/${user}/api/contents?content=0`, {
      headers: { 'X-XSRFToken': decodeURIComponent(xsrf) }
    }).then(r => r.status);
    const stalled = new Promise<number>(resolve =>
      setTimeout(() => resolve(0), 10000)
    );
    return Promise.race([request, stalled]);
  }, user);
}

test('eight tabs on a plain-HTTP origin without Web Locks: one hub stream, JupyterLab answered in each', async ({
  context,
  page
}) => {
  test.setTimeout(300000);
  const user = 'tabs8';
  hub.home(user);
  const origin = `http://${HOST}:${hub.port}`;
  const hubRequests = hubApiRequests(context);

  await page.goto(`${origin}/hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', hub.password);
  await page.click('#login_submit');
  await page.waitForURL(`**/user/${user}/lab**`, { timeout: 120000 });
  await page.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
  // The setting this test is about: no secure context, no Web Locks.
  expect(
    await page.evaluate(() => ({
      secure: window.isSecureContext,
      locks: 'locks' in navigator
    }))
  ).toEqual({ secure: false, locks: false });

  const tabs = [page];
  for (let i = 1; i < 8; i++) {
    const tab = await context.newPage();
    await tab.goto(`${origin}/user/${user}/lab`);
    await tab.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
    tabs.push(tab);
  }
  await hub.setUserCredits(user, { balance: 73 });
  for (const tab of tabs) {
    await expect(tab.locator(ITEM_TEXT)).toContainText('Credits: 73 / 100', {
      timeout: 30000
    });
  }
  for (const tab of tabs) {
    expect(await contentsStatus(tab, user)).toBe(200);
  }
  expect((await relayStatus(page, user)).hub_connections).toBe(1);

  // A tab closes: the others go on, still one stream.
  await page.close();
  await hub.setUserCredits(user, { balance: 61 });
  for (const tab of tabs.slice(1)) {
    await expect(tab.locator(ITEM_TEXT)).toContainText('Credits: 61 / 100', {
      timeout: 30000
    });
  }
  for (const tab of tabs.slice(1)) {
    expect(await contentsStatus(tab, user)).toBe(200);
  }
  expect((await relayStatus(tabs[1], user)).hub_connections).toBe(1);
  expect(hubRequests).toEqual([]);
});
