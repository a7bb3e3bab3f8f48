// Totals the jest and Playwright JSON reports and the pytest JUnit XML into
// one line: "N passed, N failed". A missing report or a suite that failed to
// run counts as a failure; a skipped test counts as failed too (none may be
// skipped).
import { readFileSync } from 'fs';

function read(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf-8'));
  } catch {
    console.error(`no report at ${file}`);
    return null;
  }
}

let passed = 0;
let failed = 0;

const jest = read(process.argv[2]);
if (jest) {
  passed += jest.numPassedTests;
  failed +=
    jest.numFailedTests +
    jest.numPendingTests +
    jest.numTodoTests +
    jest.numRuntimeErrorTestSuites;
} else {
  failed += 1;
}

const playwright = read(process.argv[3]);
if (playwright) {
  const stats = playwright.stats;
  passed += stats.expected;
  failed += stats.unexpected + stats.flaky + stats.skipped;
  failed += (playwright.errors ?? []).length;
} else {
  failed += 1;
}

// pytest: the <testsuite> element's counters.
try {
  const xml = readFileSync(process.argv[4], 'utf-8');
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
  const count = name =>
    Number(new RegExp(` ${name}="(\\d+)"`).exec(suite)?.[1] ?? NaN);
  const [tests, failures, errors, skipped] = [
    'tests',
    'failures',
    'errors',
    'skipped'
  ].map(count);
  if ([tests, failures, errors, skipped].some(Number.isNaN) || tests === 0) {
    throw new Error('no pytest counters');
  }
  passed += tests - failures - errors - skipped;
  failed += failures + errors + skipped;
} catch (error) {
  console.error(`no pytest report at ${process.argv[4]}: ${error.message}`);
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
