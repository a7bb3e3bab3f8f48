/**
 * Never lose work to an empty balance: a dirty notebook is saved to disk
 * before the credits run out — once with the stream mocked at the network
 * edge in a real JupyterLab, once against a real hub that really stops the
 * server.
 */
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { HubEdge, TestLab } from './servers';
import { ITEM_TEXT, login, pretendHub, writeNotebook } from './helpers';

const SHOTS = path.resolve(__dirname, '..', '.test-output', 'screenshots');
const MARK = 'print("typed, never saved by hand")';

/**
 * Types into the notebook's first cell; the tab then shows it unsaved.
 */
async function typeIntoFirstCell(page: Page): Promise<void> {
  const editor = page.locator('.jp-Notebook .jp-Cell .cm-content').first();
  await editor.click();
  await page.keyboard.type(MARK);
  await expect(page.locator('.lm-TabBar-tab.jp-mod-dirty')).toHaveCount(1);
}

const noJupyterLabAutosave = [
  '@jupyterlab/docmanager-extension',
  'plugin',
  { autosave: false }
] as const;

test.describe("with the hub faked at the server part's network edge", () => {
  let lab: TestLab;
  // A balance that falls 2 credits a second.
  let start = Date.now();
  let events = 0;
  const edge = new HubEdge(() => {
    events++;
    const balance = Math.max(0, 300 - Math.floor((Date.now() - start) / 500));
    return `{"balance": ${balance}, "cap": 300}`;
  });

  test.beforeAll(async () => {
    await edge.start();
    lab = new TestLab('.venv', 'lab', [], edge.env());
    // JupyterLab's own autosave must not be the one that saves.
    lab.userSettings(...noJupyterLabAutosave);
    writeNotebook(path.join(lab.root, 'work.ipynb'));
    await lab.start();
  });

  test.afterAll(async () => {
    await lab?.dispose();
    await edge.dispose();
  });

  test('a falling balance warns, then saves the dirty notebook to disk', async ({
    page
  }) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await pretendHub(page);
    start = Date.now();

    await page.goto(
      `http://127.0.0.1:${lab.port}/lab/tree/work.ipynb?token=${lab.token}`
    );
    await page.locator(ITEM_TEXT).waitFor();
    await typeIntoFirstCell(page);

    const warning = page.locator('.jp-Notification-Toast-warning').filter({
      hasText: /Credits run out in about .*the hub will then stop this server/
    });
    await expect(warning).toBeVisible({ timeout: 60000 });
    await expect(
      warning.getByRole('button', { name: 'Save all now' })
    ).toBeVisible();
    await expect(
      warning.getByRole('button', { name: 'Open hub home' })
    ).toBeVisible();

    const saved = page
      .locator('.jp-Notification-Toast-info')
      .filter({ hasText: 'Credits are running out: saved work.ipynb.' });
    await expect(saved).toBeVisible({ timeout: 30000 });
    // The toasts slide in: picture them once they are fully on screen.
    await expect(async () => {
      for (const toast of [saved, warning]) {
        const box = (await toast.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(1280);
      }
    }).toPass();
    await page.screenshot({ path: path.join(SHOTS, 'run-out-warning.png') });
    // Saved at the crossing, and what was typed after it within the next
    // quiet save (every 15 s while the stop is near).
    await expect
      .poll(() => fs.readFileSync(path.join(lab.root, 'work.ipynb'), 'utf-8'), {
        timeout: 30000
      })
      .toContain('typed, never saved by hand');
    await expect(page.locator('.lm-TabBar-tab.jp-mod-dirty')).toHaveCount(0);
    // One warning, updated in place, never a stack.
    await expect(warning).toHaveCount(1);
    // The balance fell through many snapshots (the save may come within
    // seconds now that the estimate is known from the second step).
    await expect.poll(() => events, { timeout: 30000 }).toBeGreaterThan(10);
  });
});

// The real hub (the mocked tests above start none): a bill of 1 credit
// every second.
test.use({
  hubOptions: { taskInterval: 1, billingValue: 1, billingInterval: 1 }
});

test.describe('against a real hub', () => {
  test('a dirty notebook is saved to disk before the hub stops the server', async ({
    page,
    hub
  }) => {
    const user = 'ivan';
    hub.userSettings(user, ...noJupyterLabAutosave);
    const file = path.join(hub.home(user), 'work.ipynb');
    writeNotebook(file);

    await login(page, hub, user);
    await page.goto(`${hub.url}/user/${user}/lab/tree/work.ipynb`);
    await page.locator(ITEM_TEXT).waitFor();
    await typeIntoFirstCell(page);
    // About 40 s of credits left, the project's first.
    await hub.setProjectCredits('community1', { balance: 0 });
    await hub.setUserCredits(user, { balance: 40 });

    await expect(
      page.locator('.jp-Notification-Toast-info').filter({
        hasText: 'Credits are running out: saved work.ipynb.'
      })
    ).toBeVisible({ timeout: 60000 });
    await expect(page.locator(ITEM_TEXT)).toHaveText(
      'Credits: server stopped',
      {
        timeout: 90000
      }
    );
    const onDisk = fs.readFileSync(file, 'utf-8');
    expect(onDisk).toContain('typed, never saved by hand');
    await expect(
      page.locator('.jp-Notification-Toast-error').filter({
        hasText: 'All documents were saved before the stop.'
      })
    ).toBeVisible();
  });
});
