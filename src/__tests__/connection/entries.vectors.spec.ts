/**
 * The credit list read for one server, on the shared vectors
 * (tests/vectors/entries.json, also read by tests/test_entries.py): which
 * entries are valid, which one pays, and what is said about the choice.
 */
import { entriesCase } from '../helpers/vectors';
import type { IEntriesCase } from '../helpers/vectors';
import { readVectors } from '../helpers/vectorfiles';

const { cases } = readVectors<{ cases: IEntriesCase[] }>('entries.json');

describe('shared credit-list vectors', () => {
  it.each(cases.map(c => [c.name, c] as const))('%s', (_name, c) => {
    expect(entriesCase(c.name, c.list, c.snapshot, c.previous)).toEqual(c);
  });

  it('cover a free server, no usable list, certain choices and guesses', () => {
    const kinds = new Set(
      cases.map(({ expected: { valid, choice } }) =>
        valid === null
          ? 'no list'
          : choice === null
            ? 'free'
            : choice.ambiguous
              ? 'guess'
              : 'certain'
      )
    );
    expect([...kinds].sort()).toEqual(['certain', 'free', 'guess', 'no list']);
    // Matches by the snapshot, and kept from before.
    expect(cases.some(c => c.expected.matched && !c.previous)).toBe(true);
    expect(
      cases.some(c => c.previous && c.expected.matched === c.previous)
    ).toBe(true);
  });
});
