/**
 * A restart of the Jupyter server under an open page: the server part's
 * start id changes, and the page reads the new run's whole state instead
 * of asking for the history after its last sample (the hub faked at the
 * server part's network edge; no hub restart involved).
 */
import { expect, test } from './fixtures';
import { HubEdge, TestLab } from './servers';
import type { Page } from '@playwright/test';
import { ITEM_TEXT, pretendHub } from './helpers';

/**
 * Which run of the server part answers (its start id), asked as the page
 * asks its server.
 */
function runOf(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const config = JSON.parse(
      document.getElementById('jupyter-config-data')!.textContent!
    ) as { token: string };
    const response = await fetch('/hub-credits/state', {
      headers: { Authorization: `token ${config.token}` }
    });
    return ((await response.json()) as { start: string }).start;
  });
}

test('after a server restart the page re-reads the new run and follows it, without a reload', async ({
  page
}) => {
  let balance = 77;
  const edge = new HubEdge(() => `{"balance": ${balance}, "cap": 100}`, 0);
  await edge.start();
  const lab = new TestLab('.venv', 'lab', [], edge.env());
  try {
    await lab.start();
    await pretendHub(page);
    // The history part of every state read: `after=…` or the whole.
    const reads: { at: number; after: string | null }[] = [];
    page.on('request', request => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('/hub-credits/state')) {
        reads.push({ at: Date.now(), after: url.searchParams.get('after') });
      }
    });
    await page.goto(lab.url);
    const item = page.locator(ITEM_TEXT);
    await expect(item).toContainText('Credits: 77 / 100', { timeout: 30000 });
    const first = await runOf(page);
    // A change in the same run: only the newer history is read.
    balance = 70;
    edge.push();
    await expect(item).toContainText('Credits: 70 / 100');
    await expect.poll(() => reads.some(r => r.after !== null)).toBe(true);
    await page.evaluate(() => {
      (window as unknown as { __mark: number }).__mark = 42;
    });

    const restarted = Date.now();
    balance = 55;
    await lab.restart();
    await expect(item).toContainText('Credits: 55 / 100', { timeout: 60000 });
    // The new run is read whole (no `after`), in the same document.
    expect(reads.some(r => r.at > restarted && r.after === null)).toBe(true);
    expect(
      await page.evaluate(
        () => (window as unknown as { __mark: number }).__mark
      )
    ).toBe(42);
    // Another run of the server part, reading the hub anew.
    expect(await runOf(page)).not.toBe(first);
    expect(edge.streams).toBeGreaterThanOrEqual(2);
  } finally {
    await lab.dispose();
    await edge.dispose();
  }
});
