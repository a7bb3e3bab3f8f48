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
const c = browser;
const rows = [
  [
    'JS loaded at start',
    `${kb(phaseGzip(size.startup))} gzip (${size.startup.length} files)`,
    '≤ 9 KB gzip',
    'loaded before JupyterLab restored its layout, Chromium; gzip -9 each'
  ],
  [
    'JS loaded after start',
    `${kb(phaseGzip(size.afterStart))} gzip (${size.afterStart.length} files)`,
    '',
    'under a hub, after restore: the client, notices, guard, the details and their words'
  ],
  [
    'JS loaded on first use',
    `${kb(phaseGzip(size.onUse))} gzip (${size.onUse.length} files)`,
    '',
    'what the bench opened after that'
  ],
  [
    'Shipped JS (static/*.js)',
    `${kb(bytes)} raw, ${kb(gzip)} gzip`,
    '',
    'every file; the stop command and others load only when used'
  ],
  [
    'First numbers after restored',
    `${Math.round(browser.firstNumbers.afterRestoredMs)} ms`,
    '≤ 300 ms',
    'page open, the server part already reading: JupyterLab restored → the balance in the item'
  ],
  [
    'Parse + apply one state document',
    `${node.costPerDocument.medianUs.toFixed(1)} µs`,
    '',
    `median of ${node.costPerDocument.runs} runs × ${node.costPerDocument.documents} documents of ${node.costPerDocument.samples} history samples, Node ${process.version}`
  ],
  [
    'DOM updates at 1,000 hub events/s',
    `${r.domUpdates} updates in ${r.frames} frames (${(r.domUpdates / r.frames).toFixed(2)}/frame), ${r.stateReads} GET state for ${r.events} events`,
    '≤ 1 per frame',
    '5 s; the server part streams, the page reads on change events (one read at a time)'
  ],
  [
    'Long tasks during that',
    `${r.longTasks} (longest ${Math.round(r.longestTaskMs)} ms)`,
    'none > 50 ms',
    'PerformanceObserver longtask'
  ],
  [
    'Latency hub event → text',
    `p50 ${l.p50Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms`,
    'p99 ≤ 200 ms',
    `${l.events} events 200 ms apart: the hub's write → the server part → event bus → GET state → MutationObserver`
  ],
  [
    'Hub streams, 1×1 / 1×3 / 1×10 / 2×3 browsers × tabs',
    [c.connections1x1, c.connections1x3, c.connections1x10, c.connections2x3]
      .map(x => x.openHubStreams)
      .join(' / '),
    '1 each',
    'open streams at the hub (all from the server part); list reads: ' +
      [c.connections1x1, c.connections1x3, c.connections1x10, c.connections2x3]
        .map(x => x.hubListReads)
        .join(' / ')
  ],
  ...Object.entries(prediction).map(([setup, p]) => [
    `Prediction error, ${setup}`,
    `${p.errorS.toFixed(2)} s (first known ${p.firstKnownBeforeStopS.toFixed(0)} s before the stop, off by ${p.firstErrorS.toFixed(2)} s)`,
    '≤ task interval + 5 s',
    'last predicted stop minus the real stop, real JupyterHub + credit service'
  ]),
  [
    'Heap growth',
    `${node.memory.heapGrowthKB.toFixed(0)} KB after ${node.memory.documents} documents; history ${node.memory.historySamples} samples`,
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
