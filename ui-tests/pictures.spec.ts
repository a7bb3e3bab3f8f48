/**
 * The README's pictures, from a live hub running the demo configuration,
 * in the light and the dark theme: the status bar, the item, the details,
 * Notebook 7's top area and the run-out warning with its automatic save.
 * Each is taken only while the item is live (never "reconnecting").
 * Written to .test-output/pictures; `bash scripts/pictures.sh` copies them
 * into docs/.
 */
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { ITEM, ITEM_TEXT, login, runFromPalette } from './helpers';

const OUT = path.resolve(__dirname, '..', '.test-output', 'pictures');
const THEMES = ['light', 'dark'] as const;

test.beforeAll(() => {
  fs.mkdirSync(OUT, { recursive: true });
});

// The demo's billing: 1 credit every 2 s, a task every second.
test.use({
  hubOptions: { taskInterval: 1, billingValue: 1, billingInterval: 2 }
});

async function setTheme(page: Page, theme: (typeof THEMES)[number]) {
  const name = theme === 'light' ? 'Light' : 'Dark';
  await runFromPalette(page, `Use Theme: JupyterLab ${name}`);
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    theme === 'light' ? 'true' : 'false'
  );
}

async function expectLive(page: Page) {
  await expect(page.locator(ITEM)).toHaveAttribute('data-state', 'live', {
    timeout: 30000
  });
  await expect(page.locator(ITEM_TEXT)).not.toContainText('(');
}

test('status bar, item and details, light and dark', async ({ page, hub }) => {
  await login(page, hub, 'demo');
  for (const theme of THEMES) {
    await setTheme(page, theme);
    await expectLive(page);
    await page
      .locator('#jp-main-statusbar')
      .screenshot({ path: path.join(OUT, `statusbar-${theme}.png`) });
    const item = page.locator(ITEM);
    await item.screenshot({ path: path.join(OUT, `item-${theme}.png`) });
    await item.click();
    const details = page.locator('.jp-CreditsDetails');
    await expect(details).toBeVisible();
    // The estimate is known (two bills seen) before the picture.
    await expect(details.locator('.jp-CreditsDetails-eta')).toContainText(
      /about|minute/,
      { timeout: 30000 }
    );
    await expectLive(page);
    const box = (await details.boundingBox())!;
    const bar = (await page.locator('#jp-main-statusbar').boundingBox())!;
    await page.screenshot({
      path: path.join(OUT, `popup-${theme}.png`),
      clip: {
        x: Math.max(0, box.x - 8),
        y: Math.max(0, box.y - 8),
        width: Math.min(box.width + 16, 1280 - Math.max(0, box.x - 8)),
        height: bar.y + bar.height - Math.max(0, box.y - 8)
      }
    });
    await page.keyboard.press('Escape');
    await expect(details).toHaveCount(0);
  }
});

test("Notebook 7's top area, light and dark", async ({ page, hub }) => {
  for (const theme of THEMES) {
    const user = `nora-${theme}`;
    hub.userSettings(user, '@jupyterlab/apputils-extension', 'themes', {
      theme: theme === 'light' ? 'JupyterLab Light' : 'JupyterLab Dark'
    });
    await login(page, hub, user);
    await page.goto(page.url().replace(/\/lab.*$/, '/tree'));
    const item = page.locator('#top-panel .jp-CreditsStatus-top');
    await expect(item).toHaveAttribute('data-state', 'live', {
      timeout: 60000
    });
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-theme-light',
      theme === 'light' ? 'true' : 'false'
    );
    await page.screenshot({
      path: path.join(OUT, `notebook7-${theme}.png`),
      clip: { x: 0, y: 0, width: 1280, height: 120 }
    });
    await page.context().clearCookies();
  }
});

test('the run-out warning and the automatic save, light and dark', async ({
  page,
  hub
}) => {
  for (const theme of THEMES) {
    const user = `rita-${theme}`;
    // Warn and save as soon as the estimate is known, to have the picture.
    hub.userSettings(user, 'jupyterlab-hub-credits', 'plugin', {
      runOutWarningMinutes: 120,
      autoSaveMinutes: 60
    });
    hub.userSettings(user, '@jupyterlab/docmanager-extension', 'plugin', {
      autosave: false
    });
    hub.userSettings(user, '@jupyterlab/apputils-extension', 'themes', {
      theme: theme === 'light' ? 'JupyterLab Light' : 'JupyterLab Dark'
    });
    fs.writeFileSync(path.join(hub.home(user), 'analysis.py'), 'x = 1\n');
    await login(page, hub, user);
    await page.goto(page.url().replace(/\/lab.*$/, '/lab/tree/analysis.py'));
    await page.locator('.jp-FileEditor .cm-content').click();
    await page.keyboard.type('y = 2  # not saved yet');
    const warning = page.locator('.jp-Notification-Toast-warning', {
      hasText: 'Credits run out in about'
    });
    await expect(warning).toBeVisible({ timeout: 60000 });
    await expect(
      page.locator('.jp-Notification-Toast-info', {
        hasText: 'Credits are running out: saved analysis.py'
      })
    ).toBeVisible({ timeout: 30000 });
    await expectLive(page);
    await page.waitForTimeout(1000); // the toasts slide in
    await page.screenshot({
      path: path.join(OUT, `run-out-warning-${theme}.png`)
    });
    await page.context().clearCookies();
  }
});
