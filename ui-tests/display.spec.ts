/**
 * What the user sees, in a real JupyterLab spawned by a real hub with the
 * credit service: settings applied live, the details popup by keyboard and
 * mouse, one notification per threshold crossing, and stopping the server
 * from the popup. Screenshots of item and popup, light and dark, land in
 * .test-output/screenshots for the README.
 */
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import {
  ITEM,
  ITEM_TEXT,
  login,
  findInPalette,
  runFromPalette
} from './helpers';

const SHOTS = path.resolve(__dirname, '..', '.test-output', 'screenshots');
const POPUP = '.jp-CreditsDetails';
const FORM = '#jp-SettingsEditor-jupyterlab-hub-credits\\:plugin';

test.beforeAll(() => {
  fs.mkdirSync(SHOTS, { recursive: true });
});

// Balances move only when a test moves them.
test.use({ hubOptions: { taskInterval: 1, billingInterval: 3600 } });

async function openSettingsEditor(page: Page): Promise<void> {
  await page.locator('#jp-main-dock-panel').click();
  await page.keyboard.press('Control+,');
  await page
    .getByRole('tab', { name: /Settings/ })
    .first()
    .waitFor();
  await page
    .locator('.jp-PluginList-entry-label-text', { hasText: 'Hub Credits' })
    .click();
  await page.locator(`${FORM}_format`).waitFor();
}

async function setTheme(page: Page, theme: 'Light' | 'Dark'): Promise<void> {
  await runFromPalette(page, `Use Theme: JupyterLab ${theme}`);
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    theme === 'Light' ? 'true' : 'false'
  );
}

test('settings changed in the Settings Editor change the item at once, without a reload', async ({
  page,
  hub
}) => {
  await login(page, hub, 'erin');
  const text = page.locator(ITEM_TEXT);
  // The first bill is charged when the server is ready; undo it.
  await hub.setProjectCredits('community1', { balance: 1000 });
  await expect(text).toHaveText(
    'Credits: 100 / 100 · community1: 1,000 / 1,000'
  );
  await page.evaluate(
    () => ((window as unknown as { __mark: number }).__mark = 1)
  );

  await openSettingsEditor(page);
  await page.selectOption(`${FORM}_format`, 'percent');
  await expect(text).toHaveText('Credits: 100 % · community1: 100 %');
  await page.selectOption(`${FORM}_format`, 'remaining');
  await expect(text).toHaveText('Credits: 100 left · community1: 1,000 left');
  await page.fill(`${FORM}_label`, 'Budget');
  await expect(text).toHaveText('Budget: 100 left · community1: 1,000 left');
  await page.selectOption(`${FORM}_show`, 'user');
  await expect(text).toHaveText('Budget: 100 left');
  await page.selectOption(`${FORM}_format`, 'bar');
  await expect(text).toHaveText('Budget: 100 / 100');
  await expect(page.locator(`${ITEM} .jp-CreditsStatus-bar`)).toBeVisible();

  // Thresholds: 100 of 1,100 is 9 % — critical at 10 %, fine at 5 %.
  await page.selectOption(`${FORM}_show`, 'both');
  await hub.setProjectCredits('community1', { balance: 0 });
  await expect(text).toHaveClass(/jp-mod-critical/);
  await page.fill(`${FORM}_criticalPercent`, '5');
  await expect(text).toHaveClass(/jp-mod-warning/);
  await page.fill(`${FORM}_warningPercent`, '5');
  await expect(text).toHaveClass(/jp-mod-ok/);

  await page.uncheck(`${FORM}_enabled`);
  await expect(page.locator(ITEM)).toBeHidden();
  await page.check(`${FORM}_enabled`);
  await expect(text).toHaveText('Budget: 100 / 100 · community1: 0 / 1,000');

  // The server part read the hub's list once: the grant schedules too.
  await hub.setProjectCredits('community1', { balance: 1000 });
  await expect(text).toHaveText(
    'Budget: 100 / 100 · community1: 1,000 / 1,000'
  );
  await page.locator(ITEM).click();
  await expect(page.locator(POPUP)).toContainText('+5 every 10 min, next in');
  await expect(page.locator(POPUP)).toContainText('+10 every 10 min, next in');
  expect(
    await page.evaluate(() => (window as unknown as { __mark: number }).__mark)
  ).toBe(1);
});

test('the details popup opens with keyboard and mouse; one notification per crossing', async ({
  page,
  hub
}) => {
  await login(page, hub, 'frank');
  const item = page.locator(ITEM);
  const text = page.locator(ITEM_TEXT);
  await hub.setProjectCredits('community1', { balance: 1000 });
  await expect(text).toHaveText(
    'Credits: 100 / 100 · community1: 1,000 / 1,000'
  );
  await expect(item).toHaveAttribute('role', 'button');
  await expect(item).toHaveAttribute('aria-label', /Credits: 100 \/ 100/);

  // Keyboard: focus, Enter opens; Enter on the item again closes.
  await item.focus();
  await page.keyboard.press('Enter');
  const popup = page.locator(POPUP);
  await expect(popup).toBeVisible();
  await expect(popup).toContainText('100 of 100 credits');
  await expect(popup).toContainText('Project community1 (pays first)');
  await expect(popup).toContainText('Runs out in');
  await expect(
    popup.getByRole('button', { name: 'Stop my server…' })
  ).toBeVisible();
  await item.focus();
  await page.keyboard.press(' ');
  await expect(popup).toBeHidden();

  // Mouse.
  await item.click();
  await expect(popup).toBeVisible();
  await item.click();
  await expect(popup).toBeHidden();

  // The caps add up to 1,100: 25 % is 275, 10 % is 110.
  const toasts = (kind: string, message: string) =>
    page.locator(`.jp-Notification-Toast-${kind}`).filter({ hasText: message });
  await hub.setProjectCredits('community1', { balance: 200 }); // 300: ok
  await expect(text).toContainText('community1: 200 / 1,000');
  await hub.setProjectCredits('community1', { balance: 150 }); // 250: warning
  await expect(text).toHaveClass(/jp-mod-warning/);
  const low = toasts('warning', 'Your hub credits are running low.');
  await expect(low).toHaveCount(1);
  await hub.setProjectCredits('community1', { balance: 140 }); // still warning
  await expect(text).toContainText('community1: 140 / 1,000');
  // Snapshots keep arriving every second: after two more, still one
  // notification. (The tooltip's "Last update at" moves with each.)
  for (let i = 0; i < 2; i++) {
    const seen = await item.getAttribute('title');
    await expect.poll(() => item.getAttribute('title')).not.toBe(seen);
  }
  await expect(low).toHaveCount(1);

  await Private.shoot(page, 'light');

  await hub.setProjectCredits('community1', { balance: 0 }); // 100: critical
  await expect(text).toHaveClass(/jp-mod-critical/);
  const critical = toasts('error', 'almost used up');
  await expect(critical).toHaveCount(1);
  await expect(
    critical.getByRole('button', { name: 'Show details' })
  ).toBeVisible();
  await critical.getByRole('button', { name: 'Show details' }).click();
  await expect(popup).toBeVisible();

  await setTheme(page, 'Dark');
  await Private.shoot(page, 'dark');
  await setTheme(page, 'Light');

  // Recovery re-arms: the next crossing notifies again.
  await hub.setProjectCredits('community1', { balance: 1000 });
  await expect(text).toHaveClass(/jp-mod-ok/);
  await hub.setProjectCredits('community1', { balance: 150 });
  await expect(low).toHaveCount(1); // the earlier toast was replaced, not stacked
  await hub.setProjectCredits('community1', { balance: 1000 });
});

test('the commands work from the palette; "Stop my server" in the popup, confirmed, stops the server', async ({
  page,
  hub
}) => {
  // A Reconnect asks the server part, which reads the hub for the page.
  let reconnects = 0;
  let reads = 0;
  page.on('request', request => {
    if (request.url().includes('/user/gina/hub-credits/reconnect')) {
      expect(request.method()).toBe('POST');
      reconnects++;
    } else if (request.url().includes('/user/gina/hub-credits/state')) {
      reads++;
    }
  });
  await login(page, hub, 'gina');
  const item = page.locator(ITEM);
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100');

  // The commands are in the palette, and they work.
  for (const label of [
    'Show Hub Credit Details',
    'Reconnect to Hub Credits',
    'Open Hub Home Page',
    'Stop My Server (Hub)…'
  ]) {
    await findInPalette(page, label, false);
  }
  const before = reads;
  await runFromPalette(page, 'Reconnect to Hub Credits');
  await expect.poll(() => reconnects).toBe(1);
  await expect.poll(() => reads).toBeGreaterThan(before);
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100');
  await runFromPalette(page, 'Show Hub Credit Details');
  await expect(page.locator(POPUP)).toBeVisible();
  await item.click();
  await expect(page.locator(POPUP)).toBeHidden();
  await item.click();
  await page
    .locator(POPUP)
    .getByRole('button', { name: 'Stop my server…' })
    .click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Stop your server?');
  await dialog.getByRole('button', { name: 'Stop server' }).click();
  await expect(page.locator(ITEM_TEXT)).toHaveText('Credits: server stopped', {
    timeout: 30000
  });
  // The stop the user asked for is told as theirs, not as the hub's.
  const toasts = page.locator('#react-toastify-container');
  await expect(toasts).toContainText('You stopped this server.');
  await expect(toasts).not.toContainText('The hub stopped this server');
  await expect.poll(() => hub.servers('gina'), { timeout: 30000 }).toEqual({});
});

namespace Private {
  /**
   * Opens the popup, pictures the item and the popup for the README, and
   * closes the popup again.
   */
  export async function shoot(page: Page, theme: string): Promise<void> {
    const item = page.locator(ITEM);
    await item.click();
    await expect(page.locator(POPUP)).toBeVisible();
    await item.screenshot({ path: path.join(SHOTS, `item-${theme}.png`) });
    await page.screenshot({
      path: path.join(SHOTS, `popup-${theme}.png`),
      clip: await clipAround(page, POPUP)
    });
    await item.click();
    await expect(page.locator(POPUP)).toBeHidden();
  }

  /**
   * A clip rectangle around the popup and the status bar below it.
   */
  export async function clipAround(page: Page, selector: string) {
    const box = (await page.locator(selector).boundingBox())!;
    const bar = (await page.locator('#jp-main-statusbar').boundingBox())!;
    const x = Math.max(0, box.x - 8);
    const y = Math.max(0, box.y - 8);
    return {
      x,
      y,
      width: Math.min(box.width + 16, 1280 - x),
      height: bar.y + bar.height - y
    };
  }
}
