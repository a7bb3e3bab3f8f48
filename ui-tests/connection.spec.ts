/**
 * The connection in the real world, against a real hub: a hub restart
 * under an open JupyterLab, and several tabs of one server that the
 * server part reads the hub for, once.
 */
import { expect, test } from './fixtures';
import {
  ITEM_TEXT,
  hubApiRequests,
  login,
  openLab,
  pageToken,
  relayStatus
} from './helpers';

// Single-user servers survive a hub restart, as on a production hub.
test.use({
  hubOptions: {
    taskInterval: 1,
    billingInterval: 3600,
    cleanupServers: false
  }
});

test('a hub restart: reconnecting, then live with the right balance, no reload', async ({
  page,
  hub
}) => {
  await login(page, hub, 'carol');
  const item = page.locator(ITEM_TEXT);
  await expect(item).toContainText('Credits: 100 / 100');
  // Marks this document: a reload would lose the mark.
  await page.evaluate(() => {
    (window as unknown as { __mark: number }).__mark = 42;
  });

  await hub.stop();
  // The hub's proxy goes with it: the page cannot reach its server either.
  await expect(page.locator(ITEM_TEXT)).toHaveClass(
    /jp-mod-(reconnecting|offline|disconnected)/
  );
  await expect(item).toContainText(
    /\((reconnecting|offline|server not reachable)\)/
  );
  await hub.start();
  await hub.setUserCredits('carol', { balance: 64 });

  await expect(item).toHaveText(/^Credits: 64 \/ 100/, { timeout: 60000 });
  await expect(page.locator(ITEM_TEXT)).toHaveClass(/jp-mod-live/);
  expect(
    await page.evaluate(() => (window as unknown as { __mark: number }).__mark)
  ).toBe(42);
});

test('three tabs and a closed one: one reader of the hub, no request to it from any tab', async ({
  context,
  page,
  hub
}) => {
  const hubRequests = hubApiRequests(context);
  const urls: string[] = [];
  context.on('request', request => urls.push(request.url()));

  await login(page, hub, 'dave');
  const second = await context.newPage();
  const third = await context.newPage();
  await openLab(second, hub, 'dave');
  await openLab(third, hub, 'dave');
  const tabs = [page, second, third];

  await hub.setUserCredits('dave', { balance: 55 });
  for (const tab of tabs) {
    await expect(tab.locator(ITEM_TEXT)).toContainText('Credits: 55 / 100');
  }
  // Closing a tab changes nothing for the others: no tab leads.
  await page.close();
  await hub.setUserCredits('dave', { balance: 44 });
  for (const tab of [second, third]) {
    await expect(tab.locator(ITEM_TEXT)).toContainText('Credits: 44 / 100');
  }
  const status = await relayStatus(second, 'dave');
  expect(status.hub_connections).toBe(1);
  expect(hubRequests).toEqual([]);

  // No request of any tab ever carried the hub token in its URL.
  const token = await pageToken(second);
  expect(urls.length).toBeGreaterThan(10);
  for (const url of urls) {
    expect(url).not.toContain(token);
  }
});
