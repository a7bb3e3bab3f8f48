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
import {
  chooseEntry,
  choiceReason,
  matchEntry,
  parseList,
  serverSnapshot,
  shows
} from '../../connection/entries';
import { SharedCredits } from '../../connection/share';
import type { IChannel } from '../../connection/share';
import { WIRE_VERSION, envelope, parseMessage } from '../../connection/wire';
import { CONNECTION_STATES } from '../../model/state';
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
  const status = fc.record(
    {
      state: fc.oneof(
        fc.string(),
        fc.constantFrom(...CONNECTION_STATES, 'exploded')
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
        v: fc.oneof(fc.constant(WIRE_VERSION), fc.constant(1), amount),
        type: fc.oneof(
          fc.constantFrom(
            'seen',
            'claim',
            'lead',
            'ping',
            'bye',
            'data',
            'status',
            'reconnect',
            'beat',
            'hello'
          ),
          fc.string()
        ),
        from: fc.oneof(
          fc.constant('leader'),
          fc.string({ maxLength: 80 }),
          amount
        ),
        visible: fc.oneof(fc.boolean(), amount),
        term: fc.oneof(fc.nat(), amount),
        rank: fc.oneof(fc.constantFrom(0, 1), amount),
        data: fc.oneof(payload, amount, fc.anything()),
        status: fc.oneof(status, fc.anything())
      },
      { requiredKeys: [] }
    )
  );

  it('parseMessage never throws; what passes is well-formed and bounded', () => {
    let passed = 0;
    fc.assert(
      fc.property(message, value => {
        const parsed = parseMessage(value);
        if (typeof parsed === 'string') {
          return parsed.length < 200;
        }
        passed++;
        const from = parsed.from;
        const ok = typeof from === 'string' && from.length <= 64 && from !== '';
        switch (parsed.type) {
          case 'seen':
            return ok && typeof parsed.visible === 'boolean';
          case 'claim':
          case 'lead':
            return (
              ok &&
              Number.isSafeInteger(parsed.term) &&
              parsed.term >= 0 &&
              (parsed.rank === 0 || parsed.rank === 1)
            );
          case 'data':
            return ok && parseCreditsEvent(parsed.data).kind !== 'invalid';
          case 'status':
            return (
              ok &&
              Object.isFrozen(parsed.status) &&
              (CONNECTION_STATES as readonly string[]).includes(
                parsed.status.state
              ) &&
              finite(parsed.status.since) &&
              parsed.status.reason.length <= 1000
            );
          default:
            return ok;
        }
      }),
      { numRuns: RUNS, seed: SEED }
    );
    expect(passed).toBeGreaterThan(RUNS / 100);
  });

  it('a message survives its envelope: parse(envelope(m)) is m', () => {
    const good = fc.oneof(
      fc.record({
        type: fc.constant('seen' as const),
        from: fc.string({ minLength: 1, maxLength: 64 }),
        visible: fc.boolean()
      }),
      fc.record({
        type: fc.constantFrom('claim' as const, 'lead' as const),
        from: fc.string({ minLength: 1, maxLength: 64 }),
        term: fc.nat(),
        rank: fc.constantFrom(0, 1)
      }),
      fc.record({
        type: fc.constantFrom('ping' as const, 'bye' as const),
        from: fc.string({ minLength: 1, maxLength: 64 })
      })
    );
    fc.assert(
      fc.property(good, m => {
        expect(parseMessage(envelope(m))).toEqual(m);
      }),
      { numRuns: 2000, seed: SEED }
    );
  });

  it('never throw in a follower; only valid statuses and events reach the model', () => {
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
      openChannel: () => channel,
      createStream: () => {
        throw new Error('a follower never streams here');
      },
      log: () => undefined,
      id: 'me',
      // No takeover during the run: timers never fire.
      clock: {
        now: () => 0,
        setTimeout: () => 0,
        clearTimeout: () => undefined
      }
    });
    shared.start();
    deliver({
      v: WIRE_VERSION,
      type: 'lead',
      from: 'leader',
      term: 9,
      rank: 1
    });
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

describe('generated credit lists', () => {
  const list = fc.oneof(
    fc.array(goodEntry, { maxLength: 6 }).map(l => JSON.stringify(l)),
    fc.array(entry, { maxLength: 6 }).map(l => JSON.stringify(l)),
    goodEntry.map(e => JSON.stringify(e)),
    fc.jsonValue().map(v => JSON.stringify(v)),
    fc.string()
  );

  it('parseList never throws; what passes is named, finite and bounded', () => {
    let lists = 0;
    fc.assert(
      fc.property(list, text => {
        const entries = parseList(text);
        if (entries === null) {
          return true;
        }
        lists++;
        return (
          entries.length <= 100 &&
          entries.every(
            e =>
              e.entry.name.length > 0 &&
              goodEntryValues(e.entry) &&
              // The snapshot made of it reads back as the same numbers.
              parseCreditsEvent(serverSnapshot(e)).kind === 'snapshot'
          )
        );
      }),
      { numRuns: RUNS, seed: SEED }
    );
    expect(lists).toBeGreaterThan(RUNS / 10);
  });

  it('chooseEntry: the match when there is one, else only/default/first, and says when it guessed', () => {
    const named = fc
      .uniqueArray(goodEntry, {
        selector: e => e.name,
        maxLength: 5
      })
      .map(l => parseList(JSON.stringify(l)) ?? []);
    fc.assert(
      fc.property(named, fc.nat(), fc.boolean(), (entries, pick, match) => {
        const target = entries.length ? entries[pick % entries.length] : null;
        const matched =
          match && target
            ? matchEntry(entries, { ...target.entry, name: null })
            : null;
        const choice = chooseEntry(entries, matched);
        if (entries.length === 0) {
          return choice === null;
        }
        if (matched !== null) {
          // The matched entry shows the snapshot's numbers.
          return (
            !choice!.ambiguous &&
            shows(choice!.entry.entry, target!.entry) &&
            choice!.entry.entry.name === matched
          );
        }
        if (entries.length === 1) {
          return !choice!.ambiguous && choice!.entry === entries[0];
        }
        const fallback =
          entries.find(e => e.entry.name === 'default') ?? entries[0];
        return (
          choice!.ambiguous &&
          choice!.entry === fallback &&
          choiceReason(choice).endsWith(fallback.entry.name)
        );
      }),
      { numRuns: RUNS, seed: SEED }
    );
  });
});
