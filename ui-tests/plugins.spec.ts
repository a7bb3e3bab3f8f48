/**
 * One plugin per feature: each but the core can be switched off with
 * JupyterLab's `disabledExtensions`, and the others keep working.
 */
import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { HubEdge, TestLab } from './servers';
import { ITEM, ITEM_TEXT, pretendHub } from './helpers';

const GUARD = 'jupyterlab-hub-credits:guard';

type App = {
  jupyterapp: { isPluginActivated(id: string): boolean };
};

test.describe('with the work guard switched off', () => {
  let lab: TestLab;
  // Falling fast enough that the guard would warn and save at once.
  let balance = 300;
  const edge = new HubEdge(() => {
    balance = Math.max(1, balance - 1);
    return `{"balance": ${balance}, "cap": 300}`;
  });

  test.beforeAll(async () => {
    await edge.start();
    lab = new TestLab('.venv', 'lab', [GUARD], edge.env());
    lab.userSettings('@jupyterlab/docmanager-extension', 'plugin', {
      autosave: false
    });
    fs.writeFileSync(path.join(lab.root, 'notes.txt'), 'first line\n');
    await lab.start();
  });

  test.afterAll(async () => {
    await lab?.dispose();
    await edge.dispose();
  });

  test('the item, details and notices work; no run-out warning, no automatic save', async ({
    page
  }) => {
    await pretendHub(page);
    await page.goto(
      `http://127.0.0.1:${lab.port}/lab/tree/notes.txt?token=${lab.token}`
    );
    await expect(page.locator(ITEM_TEXT)).toHaveText(/^Credits: \d+ \/ 300/, {
      timeout: 60000
    });
    const active = (id: string) =>
      page.evaluate(
        id => (window as unknown as App).jupyterapp.isPluginActivated(id),
        id
      );
    expect(await active('jupyterlab-hub-credits:plugin')).toBe(true);
    expect(await active('jupyterlab-hub-credits:status-item')).toBe(true);
    expect(await active('jupyterlab-hub-credits:notifications')).toBe(true);
    expect(await active(GUARD)).toBe(false);

    // An unsaved edit while the balance falls.
    await page.locator('.jp-FileEditor .cm-content').click();
    await page.keyboard.type('typed, never saved');
    await expect(page.locator('.lm-TabBar-tab.jp-mod-dirty')).toHaveCount(1);

    // The item follows the balance down...
    const first = await page.locator(ITEM_TEXT).textContent();
    await expect(page.locator(ITEM_TEXT)).not.toHaveText(first!, {
      timeout: 10000
    });
    // ...and the details know when the credits run out (within minutes:
    // the guard, were it on, would have warned and saved by now).
    await page.locator(ITEM).click();
    await expect(page.locator('.jp-CreditsDetails-eta')).toHaveText(
      /^about \d+ min|^about less than a minute/,
      { timeout: 60000 }
    );
    await expect(
      page.locator('.jp-Notification-Toast-warning', {
        hasText: 'Credits run out'
      })
    ).toHaveCount(0);
    await expect(page.locator('.lm-TabBar-tab.jp-mod-dirty')).toHaveCount(1);
    expect(fs.readFileSync(path.join(lab.root, 'notes.txt'), 'utf-8')).toBe(
      'first line\n'
    );
  });
});
