/**
 * The reading rule in a real browser against a real hub: a visible tab
 * claims live numbers from its server part (which streams from the hub);
 * once it hides, its claims stop and, after the claim and the grace have
 * lapsed, the server part polls the hub's list for the hidden tab's lease
 * (it guards work); visible again, it is live within a couple of seconds.
 * The work guard still saves before the hub stops the server while the tab
 * is hidden. The page itself never asks the hub.
 *
 * Headless Chromium reports every page as visible: visibility is driven by
 * redefining `document.visibilityState` / `document.hidden` and
 * dispatching `visibilitychange`.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { TestHub } from './servers';
import {
  ITEM_TEXT,
  hubApiRequests,
  login,
  relayStatus,
  writeNotebook
} from './helpers';

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

/** A claim holds 90 s after its last renewal, then the grace (10 s here). */
const GRACE_SECONDS = 10;
const CLAIM_AND_GRACE_MS = (90 + GRACE_SECONDS) * 1000;

test.describe('a hidden tab', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    hub = new TestHub({
      taskInterval: 1,
      billingInterval: 3600,
      relayGraceSeconds: GRACE_SECONDS
    });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('the server part polls for it after the claim and the grace; visible again, it is live within 2 s', async ({
    context,
    page
  }) => {
    test.setTimeout(360000);
    const user = 'hidden1';
    const asked = hubApiRequests(context);
    await login(page, hub, user);
    const item = page.locator(ITEM_TEXT);
    await expect(item).toHaveClass(/jp-mod-live/);
    expect((await relayStatus(page, user)).mode).toBe('stream');

    const hiddenAt = Date.now();
    await setVisible(page, false);
    // Within the claim and the grace the stream stays.
    await page.waitForTimeout(20000);
    expect((await relayStatus(page, user)).mode).toBe('stream');
    // Then the server part polls the list for the hidden tab's lease.
    await expect
      .poll(async () => (await relayStatus(page, user)).mode, {
        timeout: CLAIM_AND_GRACE_MS + 60000,
        intervals: [2000]
      })
      .toBe('poll');
    expect(Date.now() - hiddenAt).toBeGreaterThanOrEqual(60000);
    await expect(item).toHaveClass(/jp-mod-polling/, { timeout: 60000 });
    // Polled numbers are shown as they are, and they follow the hub.
    await hub.setUserCredits(user, { balance: 58 });
    await expect(item).toHaveText(/^Credits: 58 \/ 100/, { timeout: 60000 });
    const status = await relayStatus(page, user);
    expect(status.hub_polls).toBeGreaterThanOrEqual(1);
    expect(status.hub_connections).toBe(1);

    // Visible again: live within 2 s (the claim starts the stream).
    await hub.setUserCredits(user, { balance: 47 });
    const shownAt = Date.now();
    await setVisible(page, true);
    await expect(item).toHaveClass(/jp-mod-live/, { timeout: 2000 });
    expect(Date.now() - shownAt).toBeLessThan(2500);
    await expect(item).toHaveText(/^Credits: 47 \/ 100/);
    expect((await relayStatus(page, user)).hub_connections).toBe(2);
    expect(asked).toEqual([]);
  });
});

test.describe('the work guard with the tab hidden', () => {
  let hub: TestHub;

  test.beforeAll(async () => {
    // A bill of 2 credits every 10 s, the credit task every 2 s.
    hub = new TestHub({
      taskInterval: 2,
      billingValue: 2,
      billingInterval: 10,
      relayGraceSeconds: GRACE_SECONDS
    });
    await hub.start();
  });

  test.afterAll(async () => {
    await hub?.dispose();
  });

  test('saves the dirty notebook before the stop while the server part only polls', async ({
    page
  }) => {
    test.setTimeout(600000);
    const user = 'hidden2';
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

    // About 5 minutes of credits left, seen while the tab still looks (a
    // cut the hub's rule cannot predict is the admin's, and a relay that
    // only polls notices it within one paced poll: see the admin guide).
    await hub.setProjectCredits('community1', { balance: 0 });
    await hub.setUserCredits(user, { balance: 60 });
    await expect(page.locator(ITEM_TEXT)).toContainText(/Credits: [1-6]\d \//);
    // Hidden: the server part polls for the tab's lease, paced by its lead
    // (10 min, the warning's) against the predicted stop: now about every
    // poll period, the stop being that close.
    await setVisible(page, false);
    await expect
      .poll(async () => (await relayStatus(page, user)).mode, {
        timeout: CLAIM_AND_GRACE_MS + 60000,
        intervals: [2000]
      })
      .toBe('poll');

    const saved = page.locator('.jp-Notification-Toast-info').filter({
      hasText: 'Credits are running out: saved work.ipynb.'
    });
    await expect(saved).toBeVisible({ timeout: 180000 });
    // Saved from polled numbers alone: the server part never streamed again.
    expect((await relayStatus(page, user)).mode).toBe('poll');
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
