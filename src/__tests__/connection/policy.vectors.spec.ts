/**
 * The status policy on the shared vectors (tests/vectors/policy.json, also
 * read by tests/test_policy.py), and properties of the pure form: the
 * `Response` form decides as the plain-data one, and an HTTP date is read to
 * the second (tests/test_policy.py holds the same property for Python).
 */
import fc from 'fast-check';
import {
  answerOf,
  classify,
  classifyAnswer,
  retryAfterMs,
  retryDelayMs
} from '../../connection/policy';
import type { IAnswer } from '../../connection/policy';
import type { IBackoffCase, IPolicyCase } from '../helpers/vectors';
import { readVectors } from '../helpers/vectorfiles';

const SEED = 20261201;
const { cases, backoff } = readVectors<{
  cases: IPolicyCase[];
  backoff: IBackoffCase[];
}>('policy.json');

describe('shared policy vectors', () => {
  it.each(cases.map(c => [c.name, c] as const))('%s', (_name, c) => {
    expect(classifyAnswer(c.answer, c.sawEvent, c.now, c.relay)).toEqual(
      c.expected
    );
  });

  it.each(backoff.map(c => [c.name, c] as const))('backoff: %s', (_name, c) => {
    expect(retryDelayMs(c.failures, c.hintMs, c.timings, c.random)).toBe(
      c.expectedMs
    );
  });

  it('covers every verdict, 424, redirects and login pages', () => {
    const verdicts = new Set(
      cases.map(c =>
        c.expected.kind === 'end' ? `end ${c.expected.state}` : c.expected.kind
      )
    );
    expect([...verdicts].sort()).toEqual([
      'end stopped',
      'end unavailable',
      'end unreachable',
      'open',
      'refused',
      'retry'
    ]);
    const statuses = new Set(cases.map(c => c.answer.status));
    for (const status of [0, 302, 401, 403, 404, 409, 424, 429, 503]) {
      expect(statuses.has(status)).toBe(true);
    }
    expect(
      cases.some(
        c =>
          c.answer.contentType.startsWith('text/html') &&
          c.expected.kind === 'refused'
      )
    ).toBe(true);
  });
});

describe('the status policy', () => {
  const answers = fc.record<IAnswer>({
    status: fc.integer({ min: 0, max: 999 }),
    opaqueRedirect: fc.boolean(),
    contentType: fc.oneof(
      fc.constantFrom('text/event-stream', 'text/html', 'application/json', ''),
      fc.string({ maxLength: 30 })
    ),
    retryAfter: fc.option(fc.string({ maxLength: 30 })),
    hasBody: fc.boolean()
  });

  it('decides on a Response as on its plain data', () => {
    fc.assert(
      fc.property(
        answers,
        fc.boolean(),
        fc.boolean(),
        (answer, sawEvent, relay) => {
          const headers = new Map<string, string>();
          if (answer.contentType) {
            headers.set('content-type', answer.contentType);
          }
          if (answer.retryAfter !== null) {
            headers.set('retry-after', answer.retryAfter);
          }
          const response = {
            status: answer.status,
            type: answer.opaqueRedirect ? 'opaqueredirect' : 'basic',
            headers: {
              get: (name: string) => headers.get(name.toLowerCase()) ?? null
            },
            body: answer.hasBody ? {} : null
          };
          const expected = classifyAnswer(
            { ...answer, retryAfter: headers.get('retry-after') ?? null },
            sawEvent,
            1.7e12,
            relay
          );
          expect(answerOf(response).hasBody).toBe(answer.hasBody);
          expect(classify(response, sawEvent, 1.7e12, relay)).toEqual(expected);
          const waits = expected.kind === 'retry' ? expected.notBeforeMs : 0;
          expect(Number.isFinite(waits) && waits >= 0).toBe(true);
        }
      ),
      { seed: SEED, numRuns: 500 }
    );
  });

  it('reads an HTTP date to the second', () => {
    const now = Date.UTC(2026, 11, 1, 12);
    fc.assert(
      fc.property(fc.integer({ min: -86400, max: 10 * 86400 }), offset => {
        const header = new Date(now + offset * 1000).toUTCString();
        expect(retryAfterMs(header, now)).toBe(Math.max(0, offset * 1000));
      }),
      { seed: SEED, numRuns: 500 }
    );
  });
});
