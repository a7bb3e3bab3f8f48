/**
 * End to end against a real JupyterHub running the real credit service:
 * log in through the hub's form, let it spawn JupyterLab with this
 * extension, and watch the status bar follow the hub.
 */
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import * as path from 'path';
import type { TestHub } from './servers';
import { ITEM, ITEM_TEXT, login } from './helpers';

const SHOTS = path.resolve(__dirname, '..', '.test-output');

test.use({
  hubOptions: { taskInterval: 1, billingValue: 1, billingInterval: 2 }
});

interface IApiEntry {
  balance: number;
  cap: number;
  project?: { name: string; balance: number; cap: number };
}

/**
 * The user's credits as the hub's own API reports them, read with the
 * page's cookie (and the XSRF token the hub wants for cookie-authenticated GETs).
 */
async function hubCredits(page: Page, hub: TestHub): Promise<IApiEntry> {
  const cookies = await page.context().cookies(hub.url);
  const xsrf = cookies.find(cookie => cookie.name === '_xsrf')?.value ?? '';
  const response = await page.request.get(`${hub.url}/hub/api/credits`, {
    headers: { 'X-XSRFToken': xsrf }
  });
  expect(response.status()).toBe(200);
  const entries = (await response.json()) as IApiEntry[];
  expect(entries).toHaveLength(1);
  return entries[0];
}

function expectedText(entry: IApiEntry): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const own = `Credits: ${n(entry.balance)} / ${n(entry.cap)}`;
  return entry.project
    ? `${own} · ${entry.project.name}: ${n(entry.project.balance)} / ${n(entry.project.cap)}`
    : own;
}

test('the status bar shows the balance the hub reports and follows changes', async ({
  page,
  hub
}) => {
  await login(page, hub, 'alice');
  // From here on the page asks its own server only, never the hub.
  const hubRequests: string[] = [];
  const ownRequests: string[] = [];
  page.on('request', request => {
    const url = request.url();
    if (url.startsWith(`${hub.url}/hub/`)) {
      hubRequests.push(url);
    } else if (url.includes('/hub-credits/')) {
      ownRequests.push(url);
    }
  });
  const item = page.locator(ITEM_TEXT);
  await expect(item).toBeVisible();

  // Balances move every second here: retry until one reading of the hub
  // and one of the status bar agree.
  await expect(async () => {
    const entry = await hubCredits(page, hub);
    await expect(item).toHaveText(expectedText(entry), { timeout: 1500 });
  }).toPass({ timeout: 30000 });

  // The project pays first, so the user's own balance holds still.
  await hub.setUserCredits('alice', { balance: 42 });
  await expect(item).toContainText('Credits: 42 / 100', { timeout: 5000 });
  await hub.setUserCredits('alice', { balance: 77 });
  await expect(item).toContainText('Credits: 77 / 100', { timeout: 5000 });

  const tooltip = await page.locator(ITEM).getAttribute('title');
  expect(tooltip).toContain('77 of 100 credits left');
  await page
    .locator('#jp-main-statusbar')
    .screenshot({ path: path.join(SHOTS, 'statusbar.png') });
  expect(tooltip).toMatch(/Project community1: [\d,]+ of 1,000 credits left/);

  expect(hubRequests).toEqual([]);
  expect(ownRequests.length).toBeGreaterThan(0);
  for (const url of ownRequests) {
    expect(url).toMatch(
      new RegExp(`^${hub.url}/user/alice/hub-credits/(state|claim)(\\?|$)`)
    );
  }

  // The owner's checks (the doctor, run by the server part) on this hub.
  await page.locator(ITEM).click();
  const details = page.locator('.jp-CreditsDetails');
  await details.getByRole('button', { name: 'Check set-up' }).click();
  const findings = details.locator('.jp-CreditsDetails-findings li');
  await expect(findings.first()).toBeVisible({ timeout: 20000 });
  const said = await findings.allTextContents();
  for (const words of [
    'lab extension installed',
    'the server part is enabled',
    'started by a JupyterHub',
    'the hub answers (JupyterHub',
    "the credit service answers with this server's token",
    'the server part is live'
  ]) {
    expect(said.join('\n')).toContain(words);
  }
  await expect(details.locator('li.jp-mod-fail')).toHaveCount(0);
});

test('when the credits run out the item and a notification say the hub stopped the server', async ({
  page,
  hub
}) => {
  await login(page, hub, 'bob');
  const item = page.locator(ITEM_TEXT);
  await expect(item).toContainText('Credits: 100 / 100');
  const toasts = page.locator('#react-toastify-container');

  // As credits run out on a hub: first low (a notice), then empty.
  await hub.setProjectCredits('community1', { balance: 0 });
  await hub.setUserCredits('bob', { balance: 8 });
  await expect(toasts).toContainText('Your hub credits are almost used up');
  // Empty: the next bill cannot be paid and the hub stops the server.
  await hub.setUserCredits('bob', { balance: 0 });

  await expect(item).toHaveText('Credits: server stopped', { timeout: 30000 });
  // The hub's own words when the server part relayed them before the hub
  // took the server down; else the page's own finding (its server gone).
  const why = /Your Server is no longer running|the server is not running/;
  await expect(page.locator(ITEM)).toHaveAttribute('title', why);
  await expect(toasts).toContainText('The hub stopped this server');
  // One notice per situation: in JupyterLab's notification centre the
  // stopped notice replaced the low-balance and run-out notices. (The
  // bell is clicked as an event: JupyterLab's own "server unavailable"
  // dialog may cover the page.)
  const center = page.locator('.jp-Notification-Center');
  const bell = page.locator('.jp-Notification-Status').getByRole('button');
  await bell.dispatchEvent('click');
  await expect(center).toContainText('The hub stopped this server');
  await expect(
    center.getByRole('button', { name: 'Open hub home' })
  ).toBeVisible();
  await expect(center).toContainText('1 notification');
  await bell.dispatchEvent('click');
  await expect(center).toBeHidden();

  // The details still open (their code loaded while the server ran) and
  // say why, in the hub's words.
  await page.locator(ITEM).dispatchEvent('click');
  await expect(page.locator('.jp-CreditsDetails-status')).toContainText(why);

  // The hub really stopped it.
  await expect.poll(() => hub.servers('bob'), { timeout: 30000 }).toEqual({});
  await page.screenshot({ path: SHOTS + '/stopped.png' });
});
