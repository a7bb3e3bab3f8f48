/**
 * Generated input: hub payloads and messages from other tabs, 10,000 of
 * each per run (fast-check, seeded: a failure replays with the same seed).
 * Nothing throws, and every value that reaches the model is finite,
 * non-negative and of bounded size.
 */
import fc from 'fast-check';
import { CreditsModel } from '../../model/model';
import {
  RELAY_STATES,
  parseCreditsEvent,
  parseRelayState
} from '../../model/payload';
import type { CreditsEvent, ICreditEntry } from '../../model/payload';
import { SharedCredits } from '../../connection/share';
import type { IChannel } from '../../connection/share';
import type { IConnectionStatus } from '../../model/state';

const RUNS = 10000;
const SEED = 20261130;

/** Numbers of every awkward kind, and other JSON in their place. */
const amount = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 2 ** 53, Number.MAX_VALUE),
  fc.string({ maxLength: 5 }),
  fc.constant(null),
  fc.boolean()
);

const grantFields = fc.record(
  {
    grant_value: amount,
    grant_interval: amount,
    grant_last_update: fc.oneof(
      fc.string(),
      fc.date({ noInvalidDate: false }).map(d => {
        try {
          return d.toISOString().replace('Z', '');
        } catch {
          return 'not a date';
        }
      })
    )
  },
  { requiredKeys: [] }
);

const project = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string(),
  fc
    .tuple(
      fc.record(
        { name: fc.oneof(fc.string(), amount), balance: amount, cap: amount },
        { requiredKeys: [] }
      ),
      grantFields
    )
    .map(([a, b]) => ({ ...a, ...b }))
);

const entry = fc
  .tuple(
    fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 300 }), amount),
        balance: amount,
        cap: amount,
        project
      },
      { requiredKeys: [] }
    ),
    grantFields
  )
  .map(([a, b]) => ({ ...a, ...b }));

/** Entries as a hub sends them, so that many payloads pass. */
const goodAmount = fc.oneof(
  fc.nat(),
  fc.double({ min: 0, max: 1e9, noNaN: true })
);
const goodEntry = fc.record(
  {
    name: fc.string({ maxLength: 20 }),
    balance: goodAmount,
    cap: goodAmount,
    grant_value: fc.oneof(goodAmount, amount),
    grant_interval: fc.oneof(goodAmount, amount),
    project: fc.oneof(
      fc.constant(undefined),
      fc.record({
        name: fc.string({ maxLength: 20 }),
        balance: goodAmount,
        cap: goodAmount
      })
    )
  },
  { requiredKeys: ['balance', 'cap'] }
);

/** Hub-shaped payloads (objects, lists, stop events) and anything else. */
const payload = fc.oneof(
  goodEntry.map(e => JSON.stringify(e)),
  fc.array(goodEntry, { maxLength: 5 }).map(list => JSON.stringify(list)),
  entry.map(e => JSON.stringify(e)),
  fc.array(entry, { maxLength: 120 }).map(list => JSON.stringify(list)),
  fc.oneof(fc.string(), amount).map(error => JSON.stringify({ error })),
  fc.jsonValue().map(value => JSON.stringify(value)),
  fc.string()
);

const finite = (value: number) => Number.isFinite(value) && value >= 0;

/** Whether an entry is finite, non-negative and bounded everywhere. */
function goodEntryValues(e: ICreditEntry): boolean {
  const amounts = [
    e.balance,
    e.cap,
    e.project?.balance ?? 0,
    e.project?.cap ?? 0
  ];
  const grants = [e.grant, e.project?.grant ?? null].filter(g => g !== null);
  return (
    amounts.every(finite) &&
    grants.every(
      g =>
        finite(g!.value) &&
        finite(g!.interval) &&
        g!.interval > 0 &&
        (g!.lastUpdate === null || finite(g!.lastUpdate))
    ) &&
    (e.name ?? '').length <= 200 &&
    (e.project?.name ?? '').length <= 200
  );
}

/** Whether an event is of bounded size with good values. */
function goodEvent(event: CreditsEvent): boolean {
  if (event.kind === 'snapshot') {
    return event.entries.length <= 100 && event.entries.every(goodEntryValues);
  }
  if (event.kind === 'stopped') {
    return event.message.length <= 1001;
  }
  return true;
}

describe('generated hub payloads', () => {
  it('never throw; what passes is finite, non-negative and bounded', () => {
    const model = new CreditsModel({ log: () => undefined, maxHistory: 50 });
    let snapshots = 0;
    fc.assert(
      fc.property(payload, data => {
        const event = parseCreditsEvent(data);
        snapshots += event.kind === 'snapshot' ? 1 : 0;
        model.applyEvent(event);
        return (
          goodEvent(event) &&
          model.history.length <= 50 &&
          model.history.every(sample => finite(sample.available))
        );
      }),
      { numRuns: RUNS, seed: SEED }
    );
    // Not a vacuous property: many payloads were snapshots.
    expect(snapshots).toBeGreaterThan(RUNS / 10);
  });

  it('relay states: never throw; only known states pass', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .record({
              state: fc.oneof(fc.string(), fc.constantFrom('live', 'stopped')),
              reason: fc.oneof(fc.string({ maxLength: 2000 }), amount)
            })
            .map(v => JSON.stringify(v)),
          fc.jsonValue().map(v => JSON.stringify(v)),
          fc.string()
        ),
        data => {
          const state = parseRelayState(data);
          return (
            state === null ||
            (RELAY_STATES.has(state.state) && state.reason.length <= 301)
          );
        }
      ),
      { numRuns: RUNS, seed: SEED }
    );
  });
});

describe('generated channel messages', () => {
  it('never throw; only valid statuses and events reach the model', () => {
    let deliver: (data: unknown) => void = () => undefined;
    const channel: IChannel = {
      postMessage: () => undefined,
      close: () => undefined,
      set onmessage(handler: ((event: MessageEvent) => void) | null) {
        deliver = data => handler?.({ data } as MessageEvent);
      },
      get onmessage() {
        return null;
      }
    };
    const statuses: IConnectionStatus[] = [];
    const events: CreditsEvent[] = [];
    const shared = new SharedCredits({
      key: 'k',
      sink: {
        onEvent: event => events.push(event),
        onStatus: status => statuses.push(status)
      },
      // Another tab leads for ever: this one only listens.
      locks: { request: () => new Promise(() => undefined) },
      openChannel: () => channel,
      createStream: () => {
        throw new Error('a follower never streams here');
      },
      log: () => undefined,
      // No takeover during the run: the leader is only quiet.
      clock: {
        now: () => 0,
        setTimeout: () => 0,
        clearTimeout: () => undefined
      }
    });
    shared.start();
    const status = fc.record(
      {
        state: fc.oneof(
          fc.string(),
          fc.constantFrom('live', 'stopped', 'offline')
        ),
        reason: fc.oneof(fc.string({ maxLength: 1200 }), amount),
        failures: amount,
        nextAttemptAt: amount,
        since: amount
      },
      { requiredKeys: [] }
    );
    const message = fc.oneof(
      fc.anything(),
      fc.record(
        {
          v: fc.oneof(fc.constant(1), amount),
          type: fc.oneof(
            fc.constantFrom(
              'data',
              'status',
              'hello',
              'reconnect',
              'beat',
              'event'
            ),
            fc.string()
          ),
          data: fc.oneof(payload, amount, fc.anything()),
          status: fc.oneof(status, fc.anything()),
          event: fc.anything()
        },
        { requiredKeys: [] }
      )
    );
    fc.assert(
      fc.property(message, value => {
        statuses.length = 0;
        events.length = 0;
        deliver(value);
        return (
          statuses.every(
            s =>
              Object.isFrozen(s) &&
              finite(s.since) &&
              Number.isSafeInteger(s.failures) &&
              s.failures >= 0 &&
              s.reason.length <= 1000
          ) && events.every(e => e.kind !== 'invalid' && goodEvent(e))
        );
      }),
      { numRuns: RUNS, seed: SEED }
    );
    shared.dispose();
  });
});
