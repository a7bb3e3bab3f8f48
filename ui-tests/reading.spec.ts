/**
 * The reading rule in a real browser against a real hub: a hidden tab
 * gives up the hub stream after the grace period and polls the hub's
 * credit list (the token in the header), and is live again within a couple
 * of seconds of becoming visible; the work guard still saves before the
 * hub stops the server while the tab is hidden.
 *
 * Headless Chromium reports every page as visible: visibility is driven by
 * redefining `document.visibilityState` / `document.hidden` and
 * dispatching `visibilitychange`.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page, Request } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { TestHub } from './servers';
import { ITEM_TEXT, login, pageToken, writeNotebook } from './helpers';

// Each test has its own hub and mostly waits for the grace: they may run
// side by side.
test.describe.configure({ mode: 'parallel' });

/**
 * Shows or hides the page, as the browser would when the tab is switched.
 */
async function setVisible(page: Page, visible: boolean): Promise<void> {
  await page.evaluate(visible => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (visible ? 'visible' : 'hidden')
    });
    Object.defineProperty(document, 'hidden', {
      configurable: true,
      get: () => !visible
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

/**
 * The hub's credits requests of a context: streams (open ones counted) and
 * polls of the list.
 */
function watchHub(context: BrowserContext) {
  const open = new Set<Request>();
  const record = {
    streams: 0,
    polls: [] as { at: number; url: string; auth: string }[],
    open: () => open.size
  };
  context.on('request', request => {
    const url = request.url();
    if (/\/hub\/api\/credits\/sse/.test(url)) {
      record.streams++;
      open.add(request);
    } else if (/\/hub\/api\/credits$/.test(url)) {
      record.polls.push({
        at: Date.now(),
        url,
        auth: request.headers()['authorization'] ?? ''
      });
    }
  });
  context.on('requestfinished', request => open.delete(request));
  context.on('requestfailed', request => open.delete(request));
  return record;
}

test.describe('a hidden tab', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    hub = new TestHub({ taskInterval: 1, billingInterval: 3600 });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('polls the list after the grace, without a held stream; visible again, it is live within 2 s', async ({
    context,
    page
  }) => {
    test.setTimeout(300000);
    const user = 'hidden1';
    const seen = watchHub(context);
    await login(page, hub, user);
    const item = page.locator(ITEM_TEXT);
    await expect(item).toHaveClass(/jp-mod-live/);
    expect(seen.streams).toBe(1);
    const token = await pageToken(page);

    const hiddenAt = Date.now();
    await setVisible(page, false);
    // Within the grace (60 s) the stream stays.
    await page.waitForTimeout(20000);
    expect(seen.open()).toBe(1);
    expect(seen.polls).toHaveLength(0);
    // Then the stream closes and the list is polled, the token in the header.
    await expect.poll(() => seen.polls.length, { timeout: 70000 }).toBe(1);
    expect(seen.polls[0].at - hiddenAt).toBeGreaterThanOrEqual(55000);
    expect(seen.polls[0].auth).toBe(`token ${token}`);
    expect(seen.polls[0].url).not.toContain(token);
    await expect.poll(() => seen.open(), { timeout: 10000 }).toBe(0);
    await expect(item).toHaveClass(/jp-mod-polling/);
    // Polled numbers are shown as they are, and they follow the hub.
    await hub.setUserCredits(user, { balance: 58 });
    await expect(page.locator(ITEM_TEXT)).toHaveText(/^Credits: 58 \/ 100/, {
      timeout: 60000
    });
    expect(seen.streams).toBe(1);
    expect(seen.open()).toBe(0);
    // The second poll came at least 15 s after the first ([0.5, 1.5] × 30 s).
    expect(seen.polls.length).toBeGreaterThanOrEqual(2);
    expect(seen.polls[1].at - seen.polls[0].at).toBeGreaterThanOrEqual(14000);

    // Visible again: at once marked not live, live within 2 s.
    await hub.setUserCredits(user, { balance: 47 });
    const shownAt = Date.now();
    await setVisible(page, true);
    await expect(item).toHaveClass(/jp-mod-live/, { timeout: 2000 });
    expect(Date.now() - shownAt).toBeLessThan(2500);
    await expect(page.locator(ITEM_TEXT)).toHaveText(/^Credits: 47 \/ 100/);
    expect(seen.streams).toBe(2);
    expect(seen.open()).toBe(1);
  });
});

/**
 * The relay's own account of its readers (`GET hub-credits/status`), asked
 * from the page as JupyterLab asks its server.
 */
async function relayStatus(
  page: Page,
  user: string
): Promise<{ mode: string; live_listeners: number; listeners: number }> {
  return page.evaluate(async user => {
    const xsrf = /(?:^|; )_xsrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
    const response = await fetch(`/user/${user}/hub-credits/status`, {
      headers: { 'X-XSRFToken': decodeURIComponent(xsrf) }
    });
    return response.json();
  }, user);
}

test.describe('a hidden tab through the relay (servers on their own origins)', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    hub = new TestHub({
      subdomain: true,
      taskInterval: 1,
      billingInterval: 3600
    });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('the tab asks the relay for live=0; the relay polls after its grace; visible again, it streams', async ({
    page
  }) => {
    test.setTimeout(300000);
    const user = 'hidden3';
    await login(page, hub, user);
    const item = page.locator(ITEM_TEXT);
    await expect(item).toHaveClass(/jp-mod-live/);
    await expect
      .poll(() => relayStatus(page, user))
      .toMatchObject({ mode: 'stream', live_listeners: 1, listeners: 1 });

    await setVisible(page, false);
    // At once a listener that needs only periodic numbers.
    await expect
      .poll(() => relayStatus(page, user), { timeout: 10000 })
      .toMatchObject({ live_listeners: 0, listeners: 1 });
    // After the relay's grace, it polls the hub instead of streaming.
    await expect
      .poll(async () => (await relayStatus(page, user)).mode, {
        timeout: 90000
      })
      .toBe('poll');
    await hub.setUserCredits(user, { balance: 52 });
    await expect(item).toHaveText(/^Credits: 52 \/ 100/, { timeout: 60000 });

    await hub.setUserCredits(user, { balance: 41 });
    await setVisible(page, true);
    await expect(item).toHaveText(/^Credits: 41 \/ 100/, { timeout: 5000 });
    await expect(item).toHaveClass(/jp-mod-live/, { timeout: 5000 });
    await expect
      .poll(() => relayStatus(page, user), { timeout: 10000 })
      .toMatchObject({ mode: 'stream', live_listeners: 1, listeners: 1 });
  });
});

test.describe('the work guard with the tab hidden', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    // A bill of 2 credits every 10 s, the credit task every 2 s.
    hub = new TestHub({
      taskInterval: 2,
      billingValue: 2,
      billingInterval: 10
    });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('saves the dirty notebook before the stop while the tab only polls', async ({
    context,
    page
  }) => {
    test.setTimeout(600000);
    const user = 'hidden2';
    const seen = watchHub(context);
    hub.userSettings(user, '@jupyterlab/docmanager-extension', 'plugin', {
      autosave: false
    });
    hub.userSettings(user, 'jupyterlab-hub-credits', 'plugin', {
      autoSaveMinutes: 1.5
    });
    const file = path.join(hub.home(user), 'work.ipynb');
    writeNotebook(file);
    await login(page, hub, user);
    await page.goto(`${hub.url}/user/${user}/lab/tree/work.ipynb`);
    await page.locator(ITEM_TEXT).waitFor();
    const editor = page.locator('.jp-Notebook .jp-Cell .cm-content').first();
    await editor.click();
    await page.keyboard.type('print("typed while hidden")');
    await expect(page.locator('.lm-TabBar-tab.jp-mod-dirty')).toHaveCount(1);

    // Hidden: after the grace the tab polls, and only then do the credits
    // start to run out (about 3 minutes left).
    await setVisible(page, false);
    await expect.poll(() => seen.polls.length, { timeout: 90000 }).toBe(1);
    await expect.poll(() => seen.open(), { timeout: 10000 }).toBe(0);
    await hub.setProjectCredits('community1', { balance: 0 });
    await hub.setUserCredits(user, { balance: 36 });

    const saved = page.locator('.jp-Notification-Toast-info').filter({
      hasText: 'Credits are running out: saved work.ipynb.'
    });
    await expect(saved).toBeVisible({ timeout: 180000 });
    // Saved from polled numbers alone: no stream since the tab hid.
    expect(seen.open()).toBe(0);
    expect(fs.readFileSync(file, 'utf-8')).toContain('typed while hidden');
    const servers = await hub.servers(user);
    expect(Object.keys(servers)).toContain('');

    // Back in view for the end: emptied now, the next bill stops the
    // server, and the stop is told.
    await setVisible(page, true);
    await hub.setUserCredits(user, { balance: 0 });
    await expect(page.locator(ITEM_TEXT)).toHaveText(
      'Credits: server stopped',
      { timeout: 60000 }
    );
  });
});
