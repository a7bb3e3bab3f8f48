/**
 * Browser half of the benchmark, in Debian's Chromium with a real
 * JupyterLab whose server part reads a hub played at its network edge
 * (HubEdge: the balance and the timing of every event are under control).
 * The page reads only its server part: the figures are what a change costs
 * and how soon it shows. Writes .test-output/bench-browser.json.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { HubEdge, REPO, TestLab } from '../../ui-tests/servers';
import { pretendHub } from '../../ui-tests/helpers';

const OUT = path.join(REPO, '.test-output', 'bench-browser.json');
const ITEM_TEXT = '#jp-main-statusbar .jp-CreditsStatus-text';
const results: Record<string, unknown> = {};

let balance = 100000;
/** When each balance left the hub (ms since the epoch). */
const sentAt = new Map<number, number>();
const edge = new HubEdge(() => {
  sentAt.set(balance, Date.now());
  return `{"balance": ${balance}, "cap": 100000}`;
}, 0);
let lab: TestLab;

test.beforeAll(async () => {
  await edge.start();
  lab = new TestLab('.venv', 'lab', [], edge.env());
  lab.userSettings('@jupyterlab/apputils-extension', 'notification', {
    fetchNews: 'false'
  });
  await lab.start();
});

test.afterAll(async () => {
  await lab?.dispose();
  await edge.dispose();
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(results));
});

/** The hub sends a new balance on its stream (to the server part). */
function send(value: number): void {
  balance = value;
  edge.push();
}

const shown = (value: number) => `Credits: ${value.toLocaleString('en-US')} /`;

/**
 * Opens JupyterLab under the pretended hub; counts the page's requests to
 * its server part and notes when each balance first shows (epoch ms).
 */
async function openLab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await pretendHub(page);
  await page.addInitScript(() => {
    const w = window as unknown as {
      __shown: Map<number, number>;
      __restoredAt?: number;
      jupyterapp?: { restored: Promise<void> };
    };
    w.__shown = new Map();
    const watch = () => {
      const target = document.querySelector(
        '#jp-main-statusbar .jp-CreditsStatus'
      );
      if (!target) {
        requestAnimationFrame(watch);
        return;
      }
      new MutationObserver(() => {
        const text =
          target.querySelector('.jp-CreditsStatus-text')?.textContent ?? '';
        const m = /Credits: ([\d,]+) \//.exec(text);
        if (m) {
          const n = Number(m[1].replace(/,/g, ''));
          if (!w.__shown.has(n)) {
            w.__shown.set(n, performance.timeOrigin + performance.now());
          }
        }
      }).observe(target, {
        subtree: true,
        childList: true,
        characterData: true
      });
    };
    requestAnimationFrame(watch);
    const wait = setInterval(() => {
      if (w.jupyterapp) {
        clearInterval(wait);
        void w.jupyterapp.restored.then(() => {
          w.__restoredAt = performance.timeOrigin + performance.now();
        });
      }
    }, 5);
  });
  await page.goto(lab.url);
  await expect(page.locator(ITEM_TEXT)).toContainText(shown(balance), {
    timeout: 60000
  });
  return page;
}

function stateReads(page: Page): { count: number } {
  const counter = { count: 0 };
  page.on('request', request => {
    if (request.url().includes('/hub-credits/state')) {
      counter.count++;
    }
  });
  return counter;
}

test('render coalescing: 1,000 hub events a second for 5 s', async ({
  context
}) => {
  const page = await openLab(context);
  const reads = stateReads(page);
  await page.evaluate(() => {
    const w = window as unknown as Record<string, number>;
    w.__mutations = 0;
    w.__frames = 0;
    w.__longTasks = 0;
    w.__longestTask = 0;
    const target = document.querySelector(
      '#jp-main-statusbar .jp-CreditsStatus'
    )!;
    new MutationObserver(() => w.__mutations++).observe(target, {
      subtree: true,
      childList: true,
      characterData: true
    });
    const frame = () => {
      w.__frames++;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    new PerformanceObserver(list => {
      for (const entry of list.getEntries()) {
        w.__longTasks++;
        w.__longestTask = Math.max(w.__longestTask, entry.duration);
      }
    }).observe({ type: 'longtask', buffered: false });
  });
  const first = balance;
  const started = Date.now();
  await new Promise<void>(resolve => {
    const timer = setInterval(() => {
      for (let i = 0; i < 10; i++) {
        send(balance - 1);
      }
      if (Date.now() - started >= 5000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  await expect(page.locator(ITEM_TEXT)).toContainText(shown(balance), {
    timeout: 30000
  });
  const figures = await page.evaluate(() => {
    const w = window as unknown as Record<string, number>;
    return {
      domUpdates: w.__mutations,
      frames: w.__frames,
      longTasks: w.__longTasks,
      longestTaskMs: w.__longestTask
    };
  });
  results.render = {
    events: first - balance,
    seconds: 5,
    stateReads: reads.count,
    ...figures
  };
  await page.close();
});

test('latency from the hub event to the status bar text, 100 events', async ({
  context
}) => {
  const page = await openLab(context);
  const first = balance - 1;
  for (let i = 0; i < 100; i++) {
    send(first - i);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  await expect(page.locator(ITEM_TEXT)).toContainText(shown(first - 99));
  const shownAt = await page.evaluate(() =>
    Object.fromEntries(
      (window as unknown as { __shown: Map<number, number> }).__shown
    )
  );
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) {
    const at = shownAt[first - i];
    const sent = sentAt.get(first - i);
    if (at !== undefined && sent !== undefined) {
      latencies.push(at - sent);
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  results.latency = {
    events: latencies.length,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: sorted[sorted.length - 1]
  };
  await page.close();
});

for (const [browsers, tabs] of [
  [1, 1],
  [1, 3],
  [1, 10],
  [2, 3]
]) {
  test(`hub connections with ${browsers} browser(s) x ${tabs} tab(s) of one server`, async ({
    browser
  }) => {
    const streams = edge.streams;
    const lists = edge.lists;
    const contexts: BrowserContext[] = [];
    const pages: Page[] = [];
    for (let b = 0; b < browsers; b++) {
      const context = await browser.newContext();
      contexts.push(context);
      for (let t = 0; t < tabs; t++) {
        pages.push(await openLab(context));
      }
    }
    send(balance - 1);
    for (const page of pages) {
      await expect(page.locator(ITEM_TEXT)).toContainText(shown(balance));
    }
    results[`connections${browsers}x${tabs}`] = {
      browsers,
      tabs,
      openHubStreams: edge.open,
      hubStreamsOpened: edge.streams - streams,
      hubListReads: edge.lists - lists
    };
    for (const context of contexts) {
      await context.close();
    }
  });
}

test('JS of the extension and the first numbers: at start, after start, on use', async ({
  browser
}) => {
  // A fresh browser: nothing cached.
  const context = await browser.newContext();
  const page = await openLab(context);
  const loaded = () =>
    page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter(e => e.name.includes('/jupyterlab-hub-credits/static/'))
        .map(e => ({
          file: e.name.split('/').pop()!.split('?')[0],
          at: performance.timeOrigin + e.startTime
        }))
    );
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { __restoredAt?: number }).__restoredAt
      )
    )
    .toBeGreaterThan(0);
  const { restoredAt, firstNumbersAt } = await page.evaluate(() => {
    const w = window as unknown as {
      __restoredAt: number;
      __shown: Map<number, number>;
    };
    return {
      restoredAt: w.__restoredAt,
      firstNumbersAt: Math.min(...w.__shown.values())
    };
  });
  send(balance - 1);
  await expect(page.locator(ITEM_TEXT)).toContainText(shown(balance));
  await page.waitForTimeout(1000);
  const afterStart = await loaded();
  await page.locator('#jp-main-statusbar .jp-CreditsStatus').click();
  await page.locator('.jp-CreditsDetails').waitFor();
  const onUse = await loaded();
  const seen = new Set<string>();
  const phase = (list: { file: string; at: number }[]) =>
    list.filter(e => !seen.has(e.file) && seen.add(e.file)).map(e => e.file);
  results.size = {
    startup: phase(afterStart.filter(e => e.at <= restoredAt)),
    afterStart: phase(afterStart),
    onUse: phase(onUse)
  };
  results.firstNumbers = { afterRestoredMs: firstNumbersAt - restoredAt };
  await context.close();
});
