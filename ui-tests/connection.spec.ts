/**
 * The connection in the real world, against a real hub: a hub restart
 * under an open JupyterLab, several tabs sharing one stream, and the
 * leader tab closing.
 */
import { expect, test } from './fixtures';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { ITEM_TEXT, login, openLab, pageToken } from './helpers';

// Single-user servers survive a hub restart, as on a production hub.
test.use({
  hubOptions: {
    taskInterval: 1,
    billingInterval: 3600,
    cleanupServers: false
  }
});

/**
 * Tracks the credits stream requests of a browser context: how many were
 * started and how many were open at the same time, at most.
 */
function watchStreams(context: BrowserContext) {
  const open = new Map<Request, Page>();
  const record = { started: 0, maxOpen: 0, urls: [] as string[] };
  const isStream = (request: Request) =>
    /\/hub\/api\/credits\/sse/.test(request.url());
  context.on('request', request => {
    if (isStream(request)) {
      record.started++;
      record.urls.push(request.url());
      open.set(request, request.frame().page());
      record.maxOpen = Math.max(record.maxOpen, open.size);
    }
  });
  const done = (request: Request) => open.delete(request);
  context.on('requestfinished', done);
  context.on('requestfailed', done);
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
  await expect(page.locator(ITEM_TEXT)).toHaveClass(
    /jp-mod-(reconnecting|offline)/
  );
  await expect(item).toContainText(/\((reconnecting|offline)\)/);
  await hub.start();
  await hub.setUserCredits('carol', { balance: 64 });

  await expect(item).toHaveText(/^Credits: 64 \/ 100/, { timeout: 60000 });
  await expect(page.locator(ITEM_TEXT)).toHaveClass(/jp-mod-live/);
  expect(
    await page.evaluate(() => (window as unknown as { __mark: number }).__mark)
  ).toBe(42);
});

test('three tabs share one stream; when the leader closes another tab streams', async ({
  context,
  page,
  hub
}) => {
  const streams = watchStreams(context);
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
  expect(streams.started).toBe(1);
  expect(streams.maxOpen).toBe(1);

  // The first tab leads; closing it hands the stream to another tab.
  await page.close();
  await expect.poll(() => streams.started, { timeout: 5000 }).toBe(2);
  await hub.setUserCredits('dave', { balance: 44 });
  for (const tab of [second, third]) {
    await expect(tab.locator(ITEM_TEXT)).toContainText('Credits: 44 / 100');
  }
  expect(streams.maxOpen).toBe(1);

  // No request of any tab ever carried the hub token in its URL.
  const token = await pageToken(second);
  expect(urls.length).toBeGreaterThan(10);
  for (const url of urls) {
    expect(url).not.toContain(token);
  }
  for (const url of streams.urls) {
    expect(url).toBe(`${hub.url}/hub/api/credits/sseserver/dave`);
  }
});
