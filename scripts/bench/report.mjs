// Prints the benchmark table from the Node and browser figures.
import { readFileSync, statSync, readdirSync } from 'fs';
import { gzipSync } from 'zlib';
import { join } from 'path';
import os from 'os';

const node = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
const prediction = JSON.parse(
  readFileSync('.test-output/prediction.json', 'utf-8')
);
const browser = JSON.parse(readFileSync(process.argv[3], 'utf-8'));

// Shipped size: every JS file under the built extension's static/, gzip -9
// each; and the files the browser loaded in each phase (browser half).
const dir = 'jupyterlab_hub_credits/labextension/static';
const gzipOf = name =>
  gzipSync(readFileSync(join(dir, name)), { level: 9 }).length;
const all = readdirSync(dir).filter(n => n.endsWith('.js'));
let bytes = 0;
for (const name of all) {
  bytes += statSync(join(dir, name)).size;
}
const gzip = all.reduce((sum, name) => sum + gzipOf(name), 0);
const phaseGzip = files => files.reduce((sum, name) => sum + gzipOf(name), 0);
const size = browser.size;

const kb = n => `${(n / 1024).toFixed(1)} KB`;
const r = browser.render;
const l = browser.latency;
const rc = node.reconnect;
const rows = [
  [
    'JS loaded at start',
    `${kb(phaseGzip(size.startup))} gzip (${size.startup.length} files)`,
    '≤ 12 KB gzip',
    'loaded before JupyterLab restored its layout, Chromium; gzip -9 each'
  ],
  [
    'JS loaded after start',
    `${kb(phaseGzip(size.afterStart))} gzip (${size.afterStart.length} files)`,
    '',
    'under a hub, after restore: the connection, notices, guard, the details and their words'
  ],
  [
    'JS loaded on first use',
    `${kb(phaseGzip(size.onUse))} gzip (${size.onUse.length} files)`,
    '',
    'what the bench opened after that (the details load after start under a hub)'
  ],
  [
    'Shipped JS (static/*.js)',
    `${kb(bytes)} raw, ${kb(gzip)} gzip`,
    '',
    'every file; the stop command and others load only when used'
  ],
  [
    'Parse + model update',
    `${node.costPerEvent.medianUs.toFixed(2)} µs/event`,
    '≤ 20 µs',
    `median of ${node.costPerEvent.runs} runs × ${node.costPerEvent.events} events, Node ${process.version}`
  ],
  [
    'DOM updates at 1,000 events/s',
    `${r.domUpdates} updates in ${r.frames} frames (${(r.domUpdates / r.frames).toFixed(2)}/frame), ${r.events} events`,
    '≤ 1 per frame',
    '5 s into the real item, MutationObserver + rAF count, Chromium'
  ],
  [
    'Long tasks during that',
    `${r.longTasks} (longest ${Math.round(r.longestTaskMs)} ms)`,
    'none > 50 ms',
    'PerformanceObserver longtask'
  ],
  [
    'Latency bytes → text',
    `p50 ${l.p50Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms`,
    'p99 ≤ 16 ms',
    `${l.events} events 50 ms apart, fetch tap → MutationObserver`
  ],
  [
    'Hub connections, 1 / 3 / 10 tabs',
    `${browser.connections1.openConnections} / ${browser.connections3.openConnections} / ${browser.connections10.openConnections}`,
    '1 each',
    'open SSE connections at the fake hub'
  ],
  [
    'Hub connections, relay, 2 browsers × 2 tabs',
    `${browser.relay.openConnections} (${browser.relay.requests} requests)`,
    '1',
    'open SSE connections at the fake hub, all from the relay in the server'
  ],
  ...Object.entries(prediction).map(([setup, p]) => [
    `Prediction error, ${setup}`,
    `${p.errorS.toFixed(2)} s (first known ${p.firstKnownBeforeStopS.toFixed(0)} s before the stop, off by ${p.firstErrorS.toFixed(2)} s)`,
    '≤ task interval + 5 s',
    'last predicted stop minus the real stop, real JupyterHub + credit service'
  ]),
  [
    'Attempts in a 5-min outage',
    `median ${rc.attemptsMedian}, max ${rc.attemptsMax} per client`,
    '≤ 15',
    `${rc.clients} clients on a simulated clock, default policy`
  ],
  [
    'Hub return → first good event',
    `median ${rc.returnToEventMedianS.toFixed(1)} s, max ${rc.returnToEventMaxS.toFixed(1)} s`,
    '≤ 60 s (cap)',
    'same simulation'
  ],
  [
    'First reconnects after return',
    `p10 ${rc.firstReconnectP10S.toFixed(1)} s, p50 ${rc.firstReconnectP50S.toFixed(1)} s, p90 ${rc.firstReconnectP90S.toFixed(1)} s; peak ${rc.firstReconnectPeakPerSecond}/s of ${rc.clients}`,
    'no spike',
    'same simulation, 1-s buckets'
  ],
  [
    'Heap growth',
    `${node.memory.heapGrowthKB.toFixed(0)} KB after ${node.memory.events} events + ${node.memory.reconnects} reconnects; history ${node.memory.historySamples} samples`,
    '< 1 MB',
    'process.memoryUsage after gc(), Node'
  ]
];

const widths = [0, 1, 2, 3].map(i =>
  Math.max(
    ...rows.map(row => row[i].length),
    ['measure', 'figure', 'goal', 'how'][i].length
  )
);
const line = cells =>
  `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(
  `Benchmark ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`
);
console.log('');
console.log(line(['measure', 'figure', 'goal', 'how']));
console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`);
rows.forEach(row => console.log(line(row)));
