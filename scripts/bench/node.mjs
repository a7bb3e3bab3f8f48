// Node side of the benchmark: cost per event, reconnect load under a
// simulated 5-minute outage (1,000 clients on a simulated clock), memory.
// Prints a JSON object of figures; scripts/bench/report.mjs makes the table.
//
// Run through scripts/bench.sh, which compiles src/ to CommonJS in .bench/.
import { createRequire } from 'module';
import { performance } from 'perf_hooks';

const require = createRequire(import.meta.url);
const { CreditsModel } = require('../../.bench/lib/model/model.js');
const { parseCreditsEvent } = require('../../.bench/lib/model/payload.js');
const { CreditsStream } = require('../../.bench/lib/connection/stream.js');

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

// ---- 1. Cost per event: parse + model update -----------------------------
function costPerEvent(events = 100000, runs = 7) {
  const payloads = [];
  for (let i = 0; i < 1000; i++) {
    payloads.push(
      JSON.stringify({
        balance: 1000 - i,
        cap: 1000,
        project: { name: 'community1', balance: 5000 - i, cap: 5000 }
      })
    );
  }
  const perRun = [];
  for (let run = 0; run < runs; run++) {
    const model = new CreditsModel({ log: () => undefined });
    model.stateChanged.connect(() => undefined);
    const start = performance.now();
    for (let i = 0; i < events; i++) {
      model.applyEvent(parseCreditsEvent(payloads[i % payloads.length]));
    }
    perRun.push(((performance.now() - start) * 1000) / events);
  }
  // The first run warms the JIT up; it is left out.
  return { events, runs: runs - 1, medianUs: median(perRun.slice(1)) };
}

// ---- A simulated clock and hub --------------------------------------------
class SimClock {
  constructor() {
    this.time = 0;
    this.seq = 0;
    this.timers = new Map();
  }
  now() {
    return this.time;
  }
  setTimeout(callback, ms) {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback, id });
    return id;
  }
  clearTimeout(id) {
    this.timers.delete(id);
  }
  async advanceTo(t) {
    for (;;) {
      let next = null;
      for (const timer of this.timers.values()) {
        if (
          timer.at <= t &&
          (!next ||
            timer.at < next.at ||
            (timer.at === next.at && timer.id < next.id))
        ) {
          next = timer;
        }
      }
      if (!next) {
        break;
      }
      this.timers.delete(next.id);
      this.time = next.at;
      next.callback();
      await settle();
    }
    this.time = t;
    await settle();
  }
}

const settle = () => new Promise(resolve => setImmediate(resolve));

class SimHub {
  constructor(clock) {
    this.clock = clock;
    this.up = true;
    this.open = new Set();
    this.requests = []; // { client, at }
  }
  fetchFor(client) {
    return (_url, init) => {
      this.requests.push({ client, at: this.clock.now() });
      if (!this.up) {
        return Promise.reject(new TypeError('fetch failed'));
      }
      let controller;
      const body = new ReadableStream({
        start: c => {
          controller = c;
          c.enqueue(
            new TextEncoder().encode(
              '\n\ndata: {"balance": 50, "cap": 100}\n\n'
            )
          );
        }
      });
      this.open.add(controller);
      init.signal?.addEventListener('abort', () =>
        this.open.delete(controller)
      );
      return Promise.resolve(
        new Response(body, {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream' }
        })
      );
    };
  }
  goDown() {
    this.up = false;
    for (const controller of this.open) {
      try {
        controller.error(new TypeError('network changed'));
      } catch {
        // already closed
      }
    }
    this.open.clear();
  }
}

// ---- 2. Reconnect load: 1,000 clients, a 5-minute outage ------------------
async function reconnectLoad(clients = 1000, outageMs = 5 * 60 * 1000) {
  const clock = new SimClock();
  const hub = new SimHub(clock);
  const firstGoodAfter = new Array(clients).fill(null);
  const streams = [];
  for (let i = 0; i < clients; i++) {
    const stream = new CreditsStream({
      endpoints: [{ url: '/hub/api/credits/sseserver/u' }],
      fetch: hub.fetchFor(i),
      clock,
      onEvent: event => {
        if (
          event.kind === 'snapshot' &&
          hub.up &&
          clock.now() >= outageMs &&
          firstGoodAfter[i] === null
        ) {
          firstGoodAfter[i] = clock.now() - outageMs;
        }
      },
      onStatus: () => undefined
    });
    streams.push(stream);
    stream.start();
  }
  await settle();
  hub.requests.length = 0;
  hub.goDown(); // at t = 0
  await settle();
  await clock.advanceTo(outageMs);
  const during = new Array(clients).fill(0);
  for (const r of hub.requests) {
    during[r.client]++;
  }
  const returnAt = outageMs;
  hub.requests.length = 0;
  hub.up = true;
  await clock.advanceTo(outageMs + 70 * 1000);
  const firstAttempt = new Array(clients).fill(null);
  for (const r of hub.requests) {
    if (firstAttempt[r.client] === null) {
      firstAttempt[r.client] = r.at - returnAt;
    }
  }
  const perSecond = new Map();
  for (const t of firstAttempt) {
    const bucket = Math.floor(t / 1000);
    perSecond.set(bucket, (perSecond.get(bucket) ?? 0) + 1);
  }
  streams.forEach(s => s.dispose());
  const recovered = firstGoodAfter.filter(x => x !== null);
  return {
    clients,
    outageS: outageMs / 1000,
    attemptsMedian: median(during),
    attemptsMax: Math.max(...during),
    recoveredClients: recovered.length,
    returnToEventMedianS: median(recovered) / 1000,
    returnToEventMaxS: Math.max(...recovered) / 1000,
    firstReconnectP10S: quantile(firstAttempt, 0.1) / 1000,
    firstReconnectP50S: quantile(firstAttempt, 0.5) / 1000,
    firstReconnectP90S: quantile(firstAttempt, 0.9) / 1000,
    firstReconnectPeakPerSecond: Math.max(...perSecond.values())
  };
}

// ---- 3. Memory after 100,000 events and 1,000 reconnects ------------------
async function memory(events = 100000, reconnects = 1000) {
  if (!global.gc) {
    throw new Error('run node with --expose-gc');
  }
  const clock = new SimClock();
  const model = new CreditsModel({
    log: () => undefined,
    now: () => clock.now()
  });
  let served = 0;
  const fetch = () => {
    served++;
    // One event, then the stream ends: the client reconnects.
    const body = new ReadableStream({
      start: c => {
        c.enqueue(
          new TextEncoder().encode(
            `data: {"balance": ${served % 100}, "cap": 100}\n\n`
          )
        );
        c.close();
      }
    });
    return Promise.resolve(
      new Response(body, {
        status: 200,
        headers: { 'Content-Type': 'text/event-stream' }
      })
    );
  };
  const stream = new CreditsStream({
    endpoints: [{ url: '/s' }],
    fetch,
    clock,
    onEvent: event => model.applyEvent(event),
    onStatus: status => model.setStatus(status)
  });
  const payload = i =>
    `{"balance": ${i % 1000}, "cap": 1000, "project": {"name": "p", "balance": 5, "cap": 9}}`;
  // Warm up, then measure from a settled heap.
  for (let i = 0; i < 1000; i++) {
    model.applyEvent(parseCreditsEvent(payload(i)));
  }
  global.gc();
  await settle();
  global.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < events; i++) {
    clock.time += 1000;
    model.applyEvent(parseCreditsEvent(payload(i)));
  }
  stream.start();
  while (served < reconnects) {
    await clock.advanceTo(clock.now() + 1000);
  }
  stream.dispose();
  await settle();
  global.gc();
  await settle();
  global.gc();
  const after = process.memoryUsage().heapUsed;
  return {
    events,
    reconnects: served,
    heapGrowthKB: (after - before) / 1024,
    historySamples: model.history.length
  };
}

const results = {
  costPerEvent: costPerEvent(),
  reconnect: await reconnectLoad(),
  memory: await memory()
};
console.log(JSON.stringify(results));
