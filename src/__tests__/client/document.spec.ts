/**
 * `parseState`: the server part's state document (`state.py`) in this
 * browser's time, and nothing from an answer that does not fit.
 */
import fc from 'fast-check';
import { parseState } from '../../client/document';
import protocol from '../../protocol.json';
import { CONNECTION_STATES } from '../../model/state';
import { rawEntry, rawState } from '../helpers/documents';

/** The states the server part says (`state.py`); the page adds the rest. */
const SERVER_STATES: readonly string[] = protocol.serverStates;
const PAGE_STATES = CONNECTION_STATES.filter(s => !SERVER_STATES.includes(s));

/** Seeded: a failure is the same failure on every run. */
const RUNS = { seed: 42, numRuns: 500 };

/** The server's clock, and the browser's an hour and 2.5 s ahead of it. */
const SERVER_NOW = 1_765_000_000; // s
const OFFSET = 3_602_500; // ms
const RECEIVED = SERVER_NOW * 1000 + OFFSET;

describe('parseState by hand', () => {
  it("reads a whole document, every time moved onto this browser's clock", () => {
    const document = parseState(
      rawState(
        {
          state: 'reconnecting',
          reason: 'the hub went silent',
          why: { code: 'hub_silent', parts: [] },
          since: SERVER_NOW - 30,
          failures: 2,
          next_attempt: SERVER_NOW + 10,
          updated: SERVER_NOW - 60.5,
          entries: [
            rawEntry(40, 100, {
              name: 'default',
              grant_value: 5,
              grant_interval: 600,
              grant_last_update: '2025-12-06T05:46:40.000000',
              project: {
                name: 'community1',
                balance: 300,
                cap: 1000,
                grant_value: 50,
                grant_interval: 3600,
                grant_last_update: '2025-12-06T04:00:00+01:00'
              }
            }),
            rawEntry(7, 10, { name: 'other' })
          ],
          stop_message: '',
          history: [
            [SERVER_NOW - 120, 345],
            [SERVER_NOW - 60, 340]
          ],
          estimate: {
            kind: 'falling',
            ratePerMinute: 5,
            bill: 5,
            periodMs: 60000,
            msToStop: 4_080_000,
            stopAt: SERVER_NOW * 1000 + 4_080_000,
            earliest: SERVER_NOW * 1000 + 4_020_000,
            latest: SERVER_NOW * 1000 + 4_140_000
          },
          can_stop: true,
          seq: 17,
          start: 'f00d',
          now: SERVER_NOW
        },
        SERVER_NOW * 1000
      ),
      RECEIVED
    );
    const at = (seconds: number) => seconds * 1000 + OFFSET;
    expect(document).toEqual({
      state: 'reconnecting',
      reason: 'the hub went silent',
      why: { code: 'hub_silent', parts: [] },
      since: at(SERVER_NOW - 30),
      failures: 2,
      nextAttemptAt: at(SERVER_NOW + 10),
      updated: at(SERVER_NOW - 60.5),
      entries: [
        {
          name: 'default',
          balance: 40,
          cap: 100,
          grant: {
            value: 5,
            interval: 600,
            // The hub writes UTC without a zone.
            lastUpdate: Date.UTC(2025, 11, 6, 5, 46, 40)
          },
          project: {
            name: 'community1',
            balance: 300,
            cap: 1000,
            grant: {
              value: 50,
              interval: 3600,
              lastUpdate: Date.UTC(2025, 11, 6, 3, 0, 0)
            }
          }
        },
        { name: 'other', balance: 7, cap: 10, grant: null, project: null }
      ],
      stopMessage: '',
      history: [
        { t: at(SERVER_NOW - 120), available: 345 },
        { t: at(SERVER_NOW - 60), available: 340 }
      ],
      historyAfter: 0,
      historyEnd: SERVER_NOW - 60,
      estimate: {
        kind: 'falling',
        ratePerMinute: 5,
        bill: 5,
        periodMs: 60000,
        // From when the browser received it.
        msToStop: 4_080_000,
        stopAt: RECEIVED + 4_080_000,
        earliest: RECEIVED + 4_020_000,
        latest: RECEIVED + 4_140_000
      },
      canStop: true,
      seq: 17,
      start: 'f00d'
    });
  });

  it.each([null, undefined, 0, 'live', [], [rawState()], true])(
    'not a document (%p): null',
    value => {
      expect(parseState(value, RECEIVED)).toBeNull();
    }
  );

  it.each([...PAGE_STATES, 'busy', 'LIVE', '', 'refused'])(
    'a state the server part never says (%p): null',
    state => {
      expect(parseState(rawState({ state }), RECEIVED)).toBeNull();
    }
  );

  it("without the server's clock, its times are taken as they are", () => {
    const document = parseState(
      { state: 'live', since: 100, updated: 90, history: [[80, 1]] },
      RECEIVED
    )!;
    expect(document.since).toBe(100_000);
    expect(document.updated).toBe(90_000);
    expect(document.history).toEqual([{ t: 80_000, available: 1 }]);
  });

  it('fills in what a bare document (the fallback of state.py) leaves out', () => {
    const document = parseState(
      {
        state: 'unreachable',
        reason: 'the server part could not write its state (KeyError)',
        why: { code: 'state_unwritable', parts: ['KeyError'] },
        snapshot: null,
        entries: [],
        free: false,
        history: [],
        estimate: null,
        now: SERVER_NOW
      },
      RECEIVED
    );
    expect(document).toEqual({
      state: 'unreachable',
      reason: 'the server part could not write its state (KeyError)',
      why: { code: 'state_unwritable', parts: ['KeyError'] },
      since: RECEIVED,
      failures: 0,
      nextAttemptAt: null,
      updated: null,
      entries: [],
      stopMessage: '',
      history: [],
      historyAfter: 0,
      historyEnd: null,
      estimate: { kind: 'unknown' },
      canStop: false,
      seq: 0,
      start: ''
    });
  });

  it('drops entries without a finite, non-negative balance and cap; keeps the rest', () => {
    const document = parseState(
      rawState({
        entries: [
          rawEntry(-1),
          { name: 'no cap', balance: 1 },
          { name: 'text', balance: '5', cap: 10 },
          rawEntry(Number.NaN),
          rawEntry(1, Number.POSITIVE_INFINITY),
          'an entry',
          null,
          rawEntry(0, 0, { name: 'empty' }),
          rawEntry(3, 10, {
            name: 'bad project',
            project: { name: 'p', balance: -5, cap: 10 }
          }),
          rawEntry(4, 10, {
            name: 'bad grant',
            grant_value: 5,
            grant_interval: 0
          })
        ]
      }),
      RECEIVED
    )!;
    expect(document.entries).toEqual([
      { name: 'empty', balance: 0, cap: 0, grant: null, project: null },
      { name: 'bad project', balance: 3, cap: 10, grant: null, project: null },
      { name: 'bad grant', balance: 4, cap: 10, grant: null, project: null }
    ]);
  });

  it(`keeps at most ${protocol.maxEntries} entries, and bounds the texts`, () => {
    const document = parseState(
      rawState({
        entries: Array.from({ length: protocol.maxEntries + 5 }, (_, i) =>
          rawEntry(i, 1000, { name: `e${i}` })
        ),
        reason: 'r'.repeat(1000),
        stop_message: 's'.repeat(protocol.maxMessageLength + 1),
        start: 'x'.repeat(100)
      }),
      RECEIVED
    )!;
    expect(document.entries).toHaveLength(protocol.maxEntries);
    expect(document.entries[protocol.maxEntries - 1].name).toBe(
      `e${protocol.maxEntries - 1}`
    );
    expect(document.reason).toHaveLength(300);
    expect(document.stopMessage).toHaveLength(protocol.maxMessageLength);
    expect(document.start).toHaveLength(64);
  });

  it('keeps only history pairs of two finite numbers', () => {
    const document = parseState(
      rawState(
        {
          history: [
            [SERVER_NOW - 2, 10],
            [SERVER_NOW - 1],
            [SERVER_NOW - 1, 9, 8],
            ['1', 9],
            [SERVER_NOW - 1, null],
            { t: SERVER_NOW, available: 1 },
            [SERVER_NOW, 8]
          ]
        },
        SERVER_NOW * 1000
      ),
      RECEIVED
    )!;
    expect(document.history).toEqual([
      { t: (SERVER_NOW - 2) * 1000 + OFFSET, available: 10 },
      { t: SERVER_NOW * 1000 + OFFSET, available: 8 }
    ]);
    expect(parseState(rawState({ history: 'x' }), RECEIVED)!.history).toEqual(
      []
    );
  });

  // Fails today: src/client/document.ts multiplies seconds by 1000 and
  // keeps the product unchecked, so a number JSON can hold (1e306) becomes
  // an infinite time (and an infinite `now` shifts every time to NaN or
  // infinity): the tooltip then reads "Invalid Date". Turn into `it` once
  // fixed.
  it('leaves out a time beyond what ms can hold', () => {
    const huge = 1e306;
    const document = parseState(
      rawState({
        since: huge,
        updated: huge,
        next_attempt: huge,
        history: [
          [huge, 1],
          [SERVER_NOW, 2]
        ]
      }),
      RECEIVED
    )!;
    expect(document.since).toBe(RECEIVED);
    expect(document.updated).toBeNull();
    expect(document.nextAttemptAt).toBeNull();
    expect(document.history.map(s => s.available)).toEqual([2]);
    const skewed = parseState(rawState({ now: huge }), RECEIVED)!;
    expect(Number.isFinite(skewed.since)).toBe(true);
  });

  it('reads the estimate: steady, unknown, or falling with every number', () => {
    const read = (estimate: unknown) =>
      parseState(rawState({ estimate }, SERVER_NOW * 1000), RECEIVED)!.estimate;
    expect(read({ kind: 'steady' })).toEqual({ kind: 'steady' });
    expect(read({ kind: 'unknown' })).toEqual({ kind: 'unknown' });
    expect(read(null)).toEqual({ kind: 'unknown' });
    expect(read({ kind: 'rising' })).toEqual({ kind: 'unknown' });
    const falling = {
      kind: 'falling',
      ratePerMinute: 1,
      bill: 1,
      periodMs: 60000,
      msToStop: 0,
      stopAt: SERVER_NOW * 1000 - 5000,
      earliest: SERVER_NOW * 1000 - 6000,
      latest: SERVER_NOW * 1000 - 4000
    };
    // A stop already past: no time left, never less.
    expect(read(falling)).toMatchObject({ kind: 'falling', msToStop: 0 });
    const noBill: Record<string, unknown> = { ...falling };
    delete noBill.bill;
    expect(read(noBill)).toEqual({ kind: 'unknown' });
    expect(read({ ...falling, stopAt: '1' })).toEqual({ kind: 'unknown' });
  });

  it('may stop only when the server says exactly true', () => {
    for (const canStop of ['true', 1, {}, null, undefined]) {
      expect(
        parseState(rawState({ can_stop: canStop }), RECEIVED)!.canStop
      ).toBe(false);
    }
  });
});

describe('parseState, generated', () => {
  /** Any value a field could hold in JSON, and a few that JSON cannot. */
  const anyValue = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      undefined
    )
  );
  /**
   * A value for a time (seconds, turned into ms): any but a number too
   * large for ms (see the failing test above).
   */
  const tame = (value: unknown): boolean =>
    typeof value === 'number'
      ? Math.abs(value) <= 1e15
      : Array.isArray(value)
        ? value.every(tame)
        : value !== null && typeof value === 'object'
          ? Object.values(value).every(tame)
          : true;
  const timeValue = fc.oneof(
    fc.double({ min: -1e15, max: 1e15 }),
    fc.jsonValue().filter(v => typeof v !== 'number' && tame(v)),
    fc.constantFrom(Number.POSITIVE_INFINITY, -0, undefined)
  );
  /** Documents with a server state and any field values (deep paths run). */
  const documentLike = fc.record(
    {
      state: fc.constantFrom(...SERVER_STATES),
      reason: anyValue,
      since: timeValue,
      failures: anyValue,
      next_attempt: timeValue,
      updated: timeValue,
      entries: fc.oneof(
        anyValue,
        fc.array(
          fc.record({
            name: anyValue,
            balance: anyValue,
            cap: anyValue,
            grant_value: anyValue,
            grant_interval: anyValue,
            grant_last_update: fc.oneof(anyValue, fc.date().map(String)),
            project: fc.oneof(
              anyValue,
              fc.record({ name: anyValue, balance: anyValue, cap: anyValue })
            )
          })
        )
      ),
      stop_message: anyValue,
      history: fc.oneof(timeValue, fc.array(fc.array(timeValue))),
      estimate: fc.oneof(
        anyValue,
        fc.record({
          kind: fc.constantFrom('falling', 'steady', 'unknown', 'x'),
          ratePerMinute: anyValue,
          bill: anyValue,
          periodMs: anyValue,
          msToStop: anyValue,
          stopAt: anyValue,
          earliest: anyValue,
          latest: anyValue
        })
      ),
      can_stop: anyValue,
      seq: anyValue,
      start: anyValue,
      now: timeValue
    },
    { requiredKeys: ['state'] }
  );

  it('never throws, whatever the answer', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.anything(), documentLike),
        fc.double(),
        (value, received) => {
          const document = parseState(value, received);
          expect(document === null || typeof document === 'object').toBe(true);
        }
      ),
      RUNS
    );
  });

  it('reads a document exactly when its state is one the server part says', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom(...CONNECTION_STATES)),
        state => {
          const document = parseState(rawState({ state }), RECEIVED);
          expect(document === null).toBe(!SERVER_STATES.includes(state));
          if (document) {
            expect(document.state).toBe(state);
          }
        }
      ),
      RUNS
    );
  });

  it('whatever it reads is well formed: finite numbers, non-negative amounts, valid pairs', () => {
    fc.assert(
      fc.property(
        documentLike,
        fc.integer({ min: 0, max: 2e12 }),
        (value, received) => {
          const document = parseState(value, received)!;
          const finite = (n: number) => Number.isFinite(n);
          expect(finite(document.since)).toBe(true);
          expect(finite(document.failures)).toBe(true);
          expect(finite(document.seq)).toBe(true);
          for (const t of [document.nextAttemptAt, document.updated]) {
            expect(t === null || finite(t)).toBe(true);
          }
          expect(document.entries.length).toBeLessThanOrEqual(
            protocol.maxEntries
          );
          for (const entry of document.entries) {
            for (const balance of [entry, entry.project]) {
              if (balance) {
                expect(finite(balance.balance) && balance.balance >= 0).toBe(
                  true
                );
                expect(finite(balance.cap) && balance.cap >= 0).toBe(true);
              }
            }
            for (const grant of [entry.grant, entry.project?.grant]) {
              if (grant) {
                expect(grant.value >= 0 && grant.interval > 0).toBe(true);
                expect(
                  grant.lastUpdate === null || finite(grant.lastUpdate)
                ).toBe(true);
              }
            }
          }
          for (const sample of document.history) {
            expect(finite(sample.t) && finite(sample.available)).toBe(true);
          }
          const estimate = document.estimate;
          if (estimate.kind === 'falling') {
            for (const n of Object.values(estimate).filter(
              v => typeof v === 'number'
            )) {
              expect(finite(n)).toBe(true);
            }
            expect(estimate.msToStop).toBeGreaterThanOrEqual(0);
          }
          expect(typeof document.reason).toBe('string');
          expect(typeof document.canStop).toBe('boolean');
        }
      ),
      RUNS
    );
  });

  it('keeps an entry exactly when its balance and cap are finite and non-negative', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ balance: anyValue, cap: anyValue }), {
          maxLength: 20
        }),
        rows => {
          const fits = (n: unknown) =>
            typeof n === 'number' && Number.isFinite(n) && n >= 0;
          const document = parseState(rawState({ entries: rows }), RECEIVED)!;
          expect(document.entries.map(e => [e.balance, e.cap])).toEqual(
            rows
              .filter(r => fits(r.balance) && fits(r.cap))
              .map(r => [r.balance, r.cap])
          );
        }
      ),
      RUNS
    );
  });

  it('keeps a history pair exactly when it is two finite numbers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.array(timeValue, { maxLength: 3 }), anyValue), {
          maxLength: 20
        }),
        history => {
          const pair = (p: unknown): p is [number, number] =>
            Array.isArray(p) &&
            p.length === 2 &&
            p.every(n => typeof n === 'number' && Number.isFinite(n));
          // No server clock: the times are the document's, in ms.
          const document = parseState({ state: 'live', history }, RECEIVED)!;
          expect(document.history).toEqual(
            history
              .filter(pair)
              // (+ 0: the shift without a server clock; -0 reads as 0)
              .map(([t, available]) => ({ t: t * 1000 + 0, available }))
          );
        }
      ),
      RUNS
    );
  });

  it("moves every time by the clocks' offset: what the page sees does not depend on the server's clock", () => {
    const seconds = fc.integer({ min: 1_000_000_000, max: 2_000_000_000 });
    fc.assert(
      fc.property(
        seconds,
        fc.array(fc.integer({ min: -86_400, max: 86_400 }), {
          minLength: 6,
          maxLength: 6
        }),
        fc.integer({ min: 1e12, max: 2e12 }),
        // A server clock off by up to a day either way (whole seconds).
        fc.integer({ min: -86_400, max: 86_400 }),
        (now, [since, updated, next, t, stopIn, spread], received, skew) => {
          const document = (off: number) =>
            parseState(
              rawState({
                since: now + since + off,
                updated: now + updated + off,
                next_attempt: now + next + off,
                history: [[now + t + off, 5]],
                estimate: {
                  kind: 'falling',
                  ratePerMinute: 1,
                  bill: 1,
                  periodMs: 60000,
                  msToStop: 0,
                  stopAt: (now + stopIn + off) * 1000,
                  earliest: (now + stopIn - Math.abs(spread) + off) * 1000,
                  latest: (now + stopIn + Math.abs(spread) + off) * 1000
                },
                now: now + off
              }),
              received
            )!;
          const exact = document(0);
          // Each time is as far from the receipt as it was from the server's now.
          expect(exact.since - received).toBe(since * 1000);
          expect(exact.updated! - received).toBe(updated * 1000);
          expect(exact.nextAttemptAt! - received).toBe(next * 1000);
          expect(exact.history[0].t - received).toBe(t * 1000);
          expect(exact.estimate).toMatchObject({
            stopAt: received + stopIn * 1000,
            msToStop: Math.max(0, stopIn * 1000)
          });
          // A server clock that is off changes nothing the page sees (but
          // the server's own time it asks newer samples after).
          const skewed = document(skew);
          expect(skewed.historyEnd).toBe(now + t + skew);
          expect({ ...skewed, historyEnd: 0 }).toEqual({
            ...exact,
            historyEnd: 0
          });
        }
      ),
      RUNS
    );
  });
});
