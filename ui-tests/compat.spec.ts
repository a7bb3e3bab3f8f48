/**
 * The wheel built by the test command loads in the oldest supported
 * JupyterLab (4.0.0) and in the latest (the demo's 4.6.6), and Notebook 7
 * loads cleanly with it. The hub is faked at the server part's network
 * edge (HubEdge), PageConfig's hub values injected into the page.
 */
import { expect, test } from '@playwright/test';
import type { ConsoleMessage, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HubEdge, REPO, TestLab } from './servers';
import { ITEM_TEXT, pretendHub } from './helpers';

test.describe.configure({ mode: 'serial' });

const EVENT =
  '{"balance": 95, "cap": 100, "project": {"name": "community1", "balance": 1000, "cap": 1000}}';

/**
 * Console errors and warnings that point at a broken extension load.
 */
function watchConsole(page: Page): ConsoleMessage[] {
  const messages: ConsoleMessage[] = [];
  page.on('console', message => {
    if (message.type() === 'error' || message.type() === 'warning') {
      messages.push(message);
    }
  });
  return messages;
}

for (const { venv, version } of [
  { venv: '.venv-jl40', version: '4.0.0' },
  { venv: '.venv', version: '4.6.6' }
]) {
  test(`JupyterLab ${version}: the plugin activates, the item renders and follows the event bus`, async ({
    page
  }) => {
    let event = EVENT;
    const edge = new HubEdge(() => event, 0);
    await edge.start();
    const lab = new TestLab(venv, 'lab', [], edge.env());
    await lab.start();
    try {
      const messages = watchConsole(page);
      await pretendHub(page);
      await page.goto(lab.url);
      await expect(page.locator(ITEM_TEXT)).toContainText(
        'Credits: 95 / 100 · community1: 1,000 / 1,000'
      );
      const app = await page.evaluate(() => {
        const app = (
          window as unknown as {
            jupyterapp: {
              version: string;
              isPluginActivated(id: string): boolean;
            };
          }
        ).jupyterapp;
        return {
          version: app.version,
          active: app.isPluginActivated('jupyterlab-hub-credits:plugin')
        };
      });
      expect(app).toEqual({ version, active: true });
      // A change reaches the page through Jupyter Server's event bus (on
      // 4.0.0 with the oldest jupyter_server and jupyter_events allowed):
      // well before the next claim (every 30 s) could bring it.
      event = EVENT.replace('"balance": 95', '"balance": 94');
      const changedAt = Date.now();
      edge.push();
      await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 94 / 100', {
        timeout: 10000
      });
      expect(Date.now() - changedAt).toBeLessThan(10000);
      const problems = messages
        .map(m => m.text())
        .filter(text =>
          /hub-credits|Unsatisfied version|shared module/i.test(text)
        );
      expect(problems).toEqual([]);
    } finally {
      await lab.dispose();
      await edge.dispose();
    }
  });
}

test('Notebook 7 loads cleanly and shows the credits in its top area', async ({
  page
}) => {
  const edge = new HubEdge(() => EVENT, 0);
  await edge.start();
  const notebook = new TestLab('.venv', 'notebook', [], edge.env());
  await notebook.start();
  try {
    const messages = watchConsole(page);
    await pretendHub(page);
    await page.goto(notebook.url);
    const item = page.locator('#top-panel .jp-CreditsStatus-top');
    await expect(item.locator('.jp-CreditsStatus-text')).toContainText(
      'Credits: 95 / 100 · community1: 1,000 / 1,000'
    );
    const active = await page.evaluate(() =>
      (
        window as unknown as {
          jupyterapp: { isPluginActivated(id: string): boolean };
        }
      ).jupyterapp.isPluginActivated('jupyterlab-hub-credits:plugin')
    );
    expect(active).toBe(true);
    fs.mkdirSync(path.join(REPO, '.test-output', 'screenshots'), {
      recursive: true
    });
    await page.screenshot({
      path: path.join(REPO, '.test-output', 'screenshots', 'notebook7.png'),
      clip: { x: 0, y: 0, width: 1280, height: 120 }
    });
    // No status bar to anchor a popup: the details open in a dialog.
    await item.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('95 of 100 credits');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
    const errors = messages
      .filter(m => m.type() === 'error')
      .map(m => m.text());
    expect(errors).toEqual([]);
  } finally {
    await notebook.dispose();
    await edge.dispose();
  }
});

test('pip uninstall removes the extension and the relay cleanly', () => {
  const bin = path.join(REPO, '.venv-jl40', 'bin');
  const target = path.join(
    REPO,
    '.venv-jl40',
    'share',
    'jupyter',
    'labextensions',
    'jupyterlab-hub-credits'
  );
  const serverConfig = path.join(
    REPO,
    '.venv-jl40',
    'etc',
    'jupyter',
    'jupyter_server_config.d',
    'jupyterlab_hub_credits.json'
  );
  expect(fs.existsSync(target)).toBe(true);
  expect(fs.existsSync(serverConfig)).toBe(true);
  execFileSync(path.join(bin, 'pip'), [
    'uninstall',
    '-q',
    '-y',
    'jupyterlab-hub-credits'
  ]);
  try {
    expect(fs.existsSync(target)).toBe(false);
    // The relay's enabling config goes with it.
    expect(fs.existsSync(serverConfig)).toBe(false);
    const list = execFileSync(
      path.join(bin, 'jupyter'),
      ['labextension', 'list'],
      {
        encoding: 'utf-8',
        stdio: ['ignore', 'pipe', 'pipe']
      }
    );
    expect(list).not.toContain('jupyterlab-hub-credits');
  } finally {
    // Leave the environment as setup made it.
    const wheel = fs
      .readdirSync(path.join(REPO, 'dist'))
      .find(name => name.endsWith('.whl'))!;
    execFileSync(path.join(bin, 'pip'), [
      'install',
      '-q',
      '--no-deps',
      path.join(REPO, 'dist', wheel)
    ]);
  }
});
