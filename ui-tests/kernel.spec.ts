/**
 * From running code, against a real hub: a notebook cell in a real
 * JupyterLab registers `credits.on_low` to write a checkpoint; the credits
 * drain; the checkpoint is on disk before the hub stops the server.
 */
import { expect, test } from './fixtures';
import * as fs from 'fs';
import * as path from 'path';
import { ITEM_TEXT, login, writeNotebook } from './helpers';

const CELL = [
  'import pathlib, time',
  'from jupyterlab_hub_credits import credits',
  '',
  'def checkpoint(snapshot):',
  "    pathlib.Path('checkpoint.txt').write_text(f'{time.time()} {snapshot.available} {snapshot.stop_in}')",
  '',
  'watch = credits.on_low(checkpoint, minutes=10)',
  'print(credits.now(10).text())'
].join('\n');

// 1 credit every 2 s, 10 + 1 credits: the stop comes in about 22 s. The
// page reads the hub directly, so the relay polls for the kernel's on_low:
// every 2 s on this fast hub (a real one bills every few minutes and the
// relay polls about once per task interval).
test.use({
  hubOptions: {
    taskInterval: 1,
    billingValue: 1,
    billingInterval: 2,
    userCap: 10,
    projectCap: 1,
    relayPollSeconds: 2
  }
});

test('a training loop checkpoints before the hub stops the server', async ({
  page,
  hub
}) => {
  const user = 'kira';
  const home = hub.home(user);
  writeNotebook(path.join(home, 'train.ipynb'), CELL);
  await login(page, hub, user);
  await page.goto(`${hub.url}/user/${user}/lab/tree/train.ipynb`);
  // Run the cell once the kernel is there.
  await page.locator('.jp-Notebook .jp-Cell .cm-content').first().click();
  await expect(page.locator('.jp-Notebook-ExecutionIndicator')).toHaveAttribute(
    'data-status',
    'idle',
    { timeout: 60000 }
  );
  await page.keyboard.press('Shift+Enter');
  // The kernel reads what the status bar shows.
  await expect(page.locator('.jp-OutputArea-output')).toContainText(
    /Credits: \d+ \/ 10/,
    { timeout: 30000 }
  );
  await expect(page.locator(ITEM_TEXT)).toHaveText('Credits: server stopped', {
    timeout: 90000
  });
  const stoppedAt = Date.now() / 1000;
  const file = path.join(home, 'checkpoint.txt');
  expect(fs.existsSync(file)).toBe(true);
  const [writtenAt, available, stopIn] = fs
    .readFileSync(file, 'utf-8')
    .split(' ')
    .map(Number);
  expect(writtenAt).toBeLessThan(stoppedAt);
  expect(available).toBeGreaterThan(0);
  expect(stopIn).toBeLessThan(600);
});
