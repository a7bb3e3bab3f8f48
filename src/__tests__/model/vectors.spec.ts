/**
 * The shared test vectors (tests/vectors/*.json) are what the generator
 * (helpers/vectors.ts) produces now — stale files fail here, with the
 * command that regenerates them — and the estimate gives every expected
 * result. tests/test_estimate.py and tests/test_policy.py check the Python
 * side against the same files.
 */
import { estimate } from '../../model/estimate';
import { generate } from '../helpers/vectors';
import type { IEstimateCase } from '../helpers/vectors';
import { vectorText } from '../helpers/vectorfiles';

const fresh = generate();
const read = vectorText;

describe('shared vectors', () => {
  it.each(Object.keys(fresh))('%s is what the generator produces now', name => {
    if (read(name) !== fresh[name]) {
      throw new Error(
        `tests/vectors/${name} is stale: run \`npm run vectors\` and commit the result`
      );
    }
  });
});

describe('shared estimate vectors', () => {
  const { cases } = JSON.parse(read('estimate.json')) as {
    cases: IEstimateCase[];
  };

  it.each(cases.map(c => [c.name, c] as const))('%s', (_name, c) => {
    const result = estimate(
      c.samples.map(([t, available]) => ({ t, available })),
      c.now,
      c.options,
      c.grants
    );
    expect(result).toEqual(c.expected);
  });

  it('covers every kind, grants, two servers, a late first bill, 2 s to 3,600 s', () => {
    const kinds = new Set(cases.map(c => c.expected.kind));
    expect([...kinds].sort()).toEqual(['falling', 'steady', 'unknown']);
    const names = cases.map(c => c.name).join('\n');
    for (const part of [
      'two servers',
      'a late first bill',
      'snapshots missed',
      'synced to 07:00',
      'user and project grants',
      'every 2 s',
      'every 3600 s'
    ]) {
      expect(names).toContain(part);
    }
  });
});
