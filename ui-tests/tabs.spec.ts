/**
 * Tabs share one hub stream where the browser has no Web Locks: a hub on a
 * plain-HTTP origin that is not loopback (`hub.test`, mapped to 127.0.0.1
 * inside Chromium) is no secure context. Eight tabs of one server: one
 * stream to the hub, and JupyterLab's own requests still answered (each
 * stream would hold one of the browser's six HTTP/1.1 connections to the
 * origin).
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { TestHub } from './servers';
import { ITEM_TEXT } from './helpers';
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
 * Counts the hub credits streams of a context: started, and open at once.
 */
function watchStreams(context: BrowserContext) {
  const open = new Map<Request, Page>();
  const record = { started: 0, maxOpen: 0 };
  context.on('request', request => {
    if (/\/hub\/api\/credits\/sse/.test(request.url())) {
      record.started++;
      open.set(request, request.frame().page());
      record.maxOpen = Math.max(record.maxOpen, open.size);
    }
  });
  context.on('requestfinished', request => open.delete(request));
  context.on('requestfailed', request => open.delete(request));
  // A closed tab's requests end with it; Playwright reports no event for them.
  const forgetOnClose = (page: Page) =>
    page.on('close', () => {
      for (const [request, owner] of open) {
        if (owner === page) {
          open.delete(request);
        }
      }
    });
  context.pages().forEach(forgetOnClose);
  context.on('page', forgetOnClose);
  return record;
}

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
  const streams = watchStreams(context);

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
  expect(streams.maxOpen).toBe(1);
  expect(streams.started).toBe(1);

  // The leader closes: another tab takes the stream, still one.
  await page.close();
  await hub.setUserCredits(user, { balance: 61 });
  for (const tab of tabs.slice(1)) {
    await expect(tab.locator(ITEM_TEXT)).toContainText('Credits: 61 / 100', {
      timeout: 30000
    });
  }
  expect(streams.started).toBe(2);
  expect(streams.maxOpen).toBe(1);
  for (const tab of tabs.slice(1)) {
    expect(await contentsStatus(tab, user)).toBe(200);
  }
});
