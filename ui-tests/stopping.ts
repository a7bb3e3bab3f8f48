/**
 * Steps of the stop's browser tests (stop-*.spec.ts): the owner stops the
 * server from the details, as a user would.
 */
import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import type { TestHub } from './servers';
import { ITEM, ITEM_TEXT, login } from './helpers';

const DETAILS = '.jp-CreditsDetails';

/**
 * Every stop request the page makes, relay's or hub's: method and URL.
 */
export function stopRequests(page: Page): string[] {
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
export async function stopFromDetails(page: Page): Promise<void> {
  await page.locator(ITEM).click();
  const details = page.locator(DETAILS);
  await expect(details).toBeVisible();
  await details.getByRole('button', { name: 'Stop my server…' }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Stop your server?');
  await dialog.getByRole('button', { name: 'Stop server' }).click();
}

/**
 * The owner logs in, stops the server from the details and is told so; the
 * hub's admin API then lists no server, and the item says the server
 * stopped. Returns the stop requests the page made.
 */
export async function ownerStops(
  page: Page,
  hub: TestHub,
  user: string
): Promise<string[]> {
  const requests = stopRequests(page);
  await login(page, hub, user);
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100', {
    timeout: 30000
  });
  expect(Object.keys(await hub.servers(user))).toEqual(['']);
  await stopFromDetails(page);
  // The user is told: by the stop's own answer, or — where the stream
  // sees the stop first (the hub's stream on the page's origin) — by the
  // stopped notice, which tells the stop as theirs.
  // (Where the relay's answer never comes, the page watches the server go:
  // up to STOP_ANSWER_MS and a few checks.)
  await expect(page.locator('.Toastify__toast').first()).toContainText(
    /The hub is stopping your server\.|You stopped this server\./,
    { timeout: 45000 }
  );
  await expect.poll(() => hub.servers(user), { timeout: 30000 }).toEqual({});
  await expect(page.locator(ITEM_TEXT)).toContainText('server stopped', {
    timeout: 30000
  });
  return requests;
}
