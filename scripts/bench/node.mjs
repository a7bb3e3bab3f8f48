// Node half of the benchmark: what one state document costs the page
// (parsing it and applying it to the model), and whether memory stays flat
// over many of them. Prints JSON for report.mjs. Run with --expose-gc.
import { createRequire } from 'module';
import { performance } from 'perf_hooks';

const require = createRequire(import.meta.url);
const { CreditsModel } = require('../../.bench/lib/model/model.js');
const { parseState } = require('../../.bench/lib/client/document.js');

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A state document as the server part writes it, with a full history. */
function documentWith(balance, seq, samples) {
  const now = 1_800_000_000 + seq;
  const history = [];
  for (let i = samples; i > 0; i--) {
    history.push([now - i * 10, balance + i]);
  }
  return {
    state: 'live',
    reason: '',
    since: now - 3600,
    failures: 0,
    next_attempt: null,
    updated: now,
    entries: [
      {
        name: 'default',
        balance,
        cap: 1000,
        grant_value: 5,
        grant_interval: 600,
        grant_last_update: '2026-12-07T05:00:00',
        project: { name: 'community1', balance: 500, cap: 5000 }
      }
    ],
    stop_message: '',
    history,
    estimate: {
      kind: 'falling',
      ratePerMinute: 6,
      bill: 1,
      periodMs: 10000,
      msToStop: 600000,
      stopAt: now * 1000 + 600000,
      earliest: now * 1000 + 590000,
      latest: now * 1000 + 610000
    },
    can_stop: true,
    seq,
    start: 'bench',
    now
  };
}

function costPerDocument(documents = 2000, samples = 2000, runs = 7) {
  // As the page receives them: JSON text, parsed, applied.
  const texts = [];
  for (let i = 0; i < 50; i++) {
    texts.push(JSON.stringify(documentWith(1000 - i, i, samples)));
  }
  const perRun = [];
  for (let run = 0; run < runs; run++) {
    const model = new CreditsModel();
    model.stateChanged.connect(() => undefined);
    const start = performance.now();
    for (let i = 0; i < documents; i++) {
      model.apply(parseState(JSON.parse(texts[i % texts.length]), Date.now()));
    }
    perRun.push(((performance.now() - start) * 1000) / documents);
  }
  return {
    documents,
    samples,
    runs: runs - 1,
    medianUs: median(perRun.slice(1))
  };
}

function memory(documents = 20000) {
  const model = new CreditsModel();
  model.stateChanged.connect(() => undefined);
  const text = i => JSON.stringify(documentWith(1000 - (i % 500), i, 200));
  for (let i = 0; i < 1000; i++) {
    model.apply(parseState(JSON.parse(text(i)), Date.now()));
  }
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < documents; i++) {
    model.apply(parseState(JSON.parse(text(i)), Date.now()));
  }
  global.gc?.();
  const after = process.memoryUsage().heapUsed;
  return {
    documents,
    heapGrowthKB: (after - before) / 1024,
    historySamples: model.history.length
  };
}

console.log(
  JSON.stringify({ costPerDocument: costPerDocument(), memory: memory() })
);
