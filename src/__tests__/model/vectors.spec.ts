/**
 * The estimate's shared test vectors (tests/vectors/estimate.json): the
 * frontend and the kernel API (jupyterlab_hub_credits/estimate.py, checked
 * by tests/test_estimate.py) must give these very results.
 */
import * as fs from 'fs';
import * as path from 'path';
import { estimate } from '../../model/estimate';

interface ICase {
  name: string;
  samples: [number, number][];
  now: number;
  expected?: Record<string, unknown>;
}

const FILE = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'tests',
  'vectors',
  'estimate.json'
);
const { cases } = JSON.parse(fs.readFileSync(FILE, 'utf-8')) as {
  cases: ICase[];
};

describe('shared estimate vectors', () => {
  it.each(cases.map(c => [c.name, c] as const))('%s', (_name, c) => {
    const result = estimate(
      c.samples.map(([t, available]) => ({ t, available })),
      c.now
    );
    expect(c.expected).toBeDefined();
    expect(result).toEqual(c.expected);
  });

  it('covers every kind', () => {
    const kinds = new Set(cases.map(c => c.expected?.kind));
    expect([...kinds].sort()).toEqual(['falling', 'steady', 'unknown']);
  });
});
