/**
 * Browser half of the benchmark, in Debian's Chromium with a real
 * JupyterLab: render coalescing, latency, and hub connections per tab
 * count. A local SSE server plays the hub (cross-origin, with CORS), so
 * the event rate and timing are under control. Writes
 * .test-output/bench-browser.json.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { REPO, TestLab } from '../../ui-tests/servers';
import { pretendHub } from '../../ui-tests/helpers';

const OUT = path.join(REPO, '.test-output', 'bench-browser.json');
const ITEM_TEXT = '#jp-main-statusbar .jp-CreditsStatus-text';
const results: Record<string, unknown> = {};

/**
 * Plays the hub's credits stream; pushes events to every open connection.
 */
class FakeHub {
  readonly connections = new Set<http.ServerResponse>();
  requests = 0;
  origin = '';

  async start(allowOrigin: string): Promise<void> {
    this._server = http.createServer((req, res) => {
      this.requests++;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        'Access-Control-Allow-Origin': allowOrigin,
        'Access-Control-Allow-Credentials': 'true'
      });
      res.write(`\n\ndata: {"balance": ${this.balance}, "cap": 100000}\n\n`);
      this.connections.add(res);
      const keepalive = setInterval(() => res.write('\n\n'), 8000);
      res.on('close', () => {
        clearInterval(keepalive);
        this.connections.delete(res);
      });
    });
    await new Promise<void>(resolve =>
      this._server.listen(0, '127.0.0.1', () => resolve())
    );
    this.origin = `http://127.0.0.1:${(this._server.address() as AddressInfo).port}`;
  }

  send(balance: number): void {
    this.balance = balance;
    for (const res of this.connections) {
      res.write(`data: {"balance": ${balance}, "cap": 100000}\n\n`);
    }
  }

  async stop(): Promise<void> {
    this._server.closeAllConnections();
    await new Promise(resolve => this._server.close(resolve));
  }

  balance = 100000;
  private _server!: http.Server;
}

let lab: TestLab;
let hub: FakeHub;

test.beforeAll(async () => {
  lab = new TestLab();
  lab.userSettings('@jupyterlab/apputils-extension', 'notification', {
    fetchNews: 'false'
  });
  // The browser reads the (CORS-enabled) fake hub directly here; the relay
  // has its own test below.
  lab.userSettings('jupyterlab-hub-credits', 'plugin', { endpoint: 'server' });
  await lab.start();
  hub = new FakeHub();
  await hub.start(`http://127.0.0.1:${lab.port}`);
});

test.afterAll(async () => {
  await hub?.stop();
  await lab?.dispose();
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(results));
});

/**
 * Opens JupyterLab with PageConfig saying it runs under the fake hub, and
 * instruments the stream: the arrival time of every balance's bytes.
 */
async function openLab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await pretendHub(page, { hubHost: hub.origin });
  await page.addInitScript(() => {
    const arrivals = new Map<number, number>();
    (window as unknown as { __arrivals: Map<number, number> }).__arrivals =
      arrivals;
    const original = window.fetch.bind(window);
    window.fetch = async (input, init) => {
      const response = await original(input, init);
      if (!String(input).includes('/api/credits/') || !response.body) {
        return response;
      }
      const decoder = new TextDecoder();
      const tap = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          const now = performance.now();
          for (const m of decoder
            .decode(chunk, { stream: true })
            .matchAll(/"balance": (\d+)/g)) {
            arrivals.set(Number(m[1]), now);
          }
          controller.enqueue(chunk);
        }
      });
      return new Response(response.body.pipeThrough(tap), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers
      });
    };
  });
  await page.goto(lab.url);
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits:', {
    timeout: 60000
  });
  return page;
}

test('render coalescing: 1,000 events a second for 5 s', async ({
  context
}) => {
  const page = await openLab(context);
  await expect(page.locator(ITEM_TEXT)).toContainText('/ 100,000');
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
  // 10 events every 10 ms: 1,000 a second.
  let balance = 100000;
  const started = Date.now();
  await new Promise<void>(resolve => {
    const timer = setInterval(() => {
      for (let i = 0; i < 10; i++) {
        hub.send(--balance);
      }
      if (Date.now() - started >= 5000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  await expect(page.locator(ITEM_TEXT)).toContainText(
    `Credits: ${balance.toLocaleString('en-US')} /`
  );
  const figures = await page.evaluate(() => {
    const w = window as unknown as Record<string, number>;
    return {
      domUpdates: w.__mutations,
      frames: w.__frames,
      longTasks: w.__longTasks,
      longestTaskMs: w.__longestTask
    };
  });
  results.render = { events: 100000 - balance, seconds: 5, ...figures };
  await page.close();
});

test('latency from bytes to status bar text, 200 events', async ({
  context
}) => {
  const page = await openLab(context);
  await page.evaluate(() => {
    const w = window as unknown as { __shown: Map<number, number> };
    w.__shown = new Map();
    const target = document.querySelector(
      '#jp-main-statusbar .jp-CreditsStatus'
    )!;
    new MutationObserver(() => {
      const text =
        target.querySelector('.jp-CreditsStatus-text')?.textContent ?? '';
      const m = /Credits: ([\d,]+) \//.exec(text);
      if (m) {
        const n = Number(m[1].replace(/,/g, ''));
        if (!w.__shown.has(n)) {
          w.__shown.set(n, performance.now());
        }
      }
    }).observe(target, { subtree: true, childList: true, characterData: true });
  });
  const first = 50000;
  for (let i = 0; i < 200; i++) {
    hub.send(first - i);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  await expect(page.locator(ITEM_TEXT)).toContainText(
    `Credits: ${(first - 199).toLocaleString('en-US')} /`
  );
  const latencies = await page.evaluate(
    ({ first }) => {
      const w = window as unknown as {
        __shown: Map<number, number>;
        __arrivals: Map<number, number>;
      };
      const out: number[] = [];
      for (let i = 0; i < 200; i++) {
        const arrived = w.__arrivals.get(first - i);
        const shown = w.__shown.get(first - i);
        if (arrived !== undefined && shown !== undefined) {
          out.push(shown - arrived);
        }
      }
      return out;
    },
    { first }
  );
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

for (const tabs of [1, 3, 10]) {
  test(`hub connections with ${tabs} tab(s) of one server`, async ({
    browser
  }) => {
    const context = await browser.newContext();
    const before = hub.requests;
    const pages: Page[] = [];
    for (let i = 0; i < tabs; i++) {
      pages.push(await openLab(context));
    }
    hub.send(hub.balance - 1);
    for (const page of pages) {
      await expect(page.locator(ITEM_TEXT)).toContainText(
        `Credits: ${hub.balance.toLocaleString('en-US')} /`
      );
    }
    const connections = hub.connections.size;
    results[`connections${tabs}`] = {
      tabs,
      openConnections: connections,
      requests: hub.requests - before
    };
    await context.close();
    await expect.poll(() => hub.connections.size).toBe(0);
  });
}

test('JS of the extension: at start, after start, on use', async ({
  context
}) => {
  // When JupyterLab has restored its layout (the end of its start).
  await context.addInitScript(() => {
    const w = window as unknown as {
      jupyterapp?: { restored: Promise<void> };
      __restoredAt?: number;
    };
    const wait = setInterval(() => {
      if (w.jupyterapp) {
        clearInterval(wait);
        void w.jupyterapp.restored.then(() => {
          w.__restoredAt = performance.now();
        });
      }
    }, 5);
  });
  const lab = await openLab(context);
  const loaded = () =>
    lab.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter(e => e.name.includes('/jupyterlab-hub-credits/static/'))
        .map(e => ({
          file: e.name.split('/').pop()!.split('?')[0],
          at: e.startTime
        }))
    );
  await expect
    .poll(() =>
      lab.evaluate(
        () => (window as unknown as { __restoredAt?: number }).__restoredAt
      )
    )
    .toBeGreaterThan(0);
  const restoredAt = await lab.evaluate(
    () => (window as unknown as { __restoredAt: number }).__restoredAt
  );
  // A balance arrives: the connection, the estimate, notices and guard load.
  hub.send(hub.balance - 1);
  await expect(lab.locator(ITEM_TEXT)).toContainText(
    `Credits: ${hub.balance.toLocaleString('en-US')} /`
  );
  await lab.waitForTimeout(1000);
  const afterStart = await loaded();
  // The details, on first use.
  await lab.locator('#jp-main-statusbar .jp-CreditsStatus').click();
  await lab.locator('.jp-CreditsDetails').waitFor();
  const onUse = await loaded();
  // Each file once, in the first phase that loaded it.
  const seen = new Set<string>();
  const phase = (list: { file: string; at: number }[]) =>
    list.filter(e => !seen.has(e.file) && seen.add(e.file)).map(e => e.file);
  results.size = {
    startup: phase(afterStart.filter(e => e.at <= restoredAt)),
    afterStart: phase(afterStart),
    onUse: phase(onUse)
  };
  await lab.close();
});

test('hub connections through the relay: 2 browsers x 2 tabs', async ({
  browser
}) => {
  // A server whose relay reads the fake hub (as a hub-spawned server would).
  const relayed = new TestLab('.venv', 'lab', [], {
    JUPYTERHUB_API_URL: `${hub.origin}/hub/api`,
    JUPYTERHUB_API_TOKEN: 'bench-server-token',
    JUPYTERHUB_USER: 'tester'
  });
  relayed.userSettings('@jupyterlab/apputils-extension', 'notification', {
    fetchNews: 'false'
  });
  await relayed.start();
  const before = hub.requests;
  const pages: Page[] = [];
  const contexts: BrowserContext[] = [];
  for (let b = 0; b < 2; b++) {
    const context = await browser.newContext();
    contexts.push(context);
    for (let t = 0; t < 2; t++) {
      const page = await context.newPage();
      // The hub on another origin: the page goes through the relay.
      await pretendHub(page, { hubHost: hub.origin });
      await page.goto(relayed.url);
      pages.push(page);
    }
  }
  hub.send(hub.balance - 1);
  for (const page of pages) {
    await expect(page.locator(ITEM_TEXT)).toContainText(
      `Credits: ${hub.balance.toLocaleString('en-US')} /`,
      { timeout: 60000 }
    );
  }
  results.relay = {
    browsers: 2,
    tabs: 4,
    openConnections: hub.connections.size,
    requests: hub.requests - before
  };
  for (const context of contexts) {
    await context.close();
  }
  await relayed.dispose();
});
