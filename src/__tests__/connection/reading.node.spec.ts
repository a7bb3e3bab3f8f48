/**
 * The reading rule on a fake hub edge and a fake clock: visible streamed,
 * hidden polled, the grace period, poll-only, the entry chosen from the
 * list, the fallbacks to the relay, the spread of reconnects after an
 * outage, a busy relay.
 */
import type { IEndpoint } from '../../connection/attempt';
import {
  CreditsReader,
  pollPeriodMs,
  taskIntervalMs
} from '../../connection/reading';
import protocol from '../../connection/protocol.json';
import type { CreditsEvent } from '../../model/payload';
import type { ConnectionState, IConnectionStatus } from '../../model/state';
import { Body, SSE } from '../helpers/sse';
import { ManualClock } from '../helpers/tabs';

const STREAM = '/hub/api/credits/sseserver/alice';
const LIST = '/hub/api/credits';
const RELAY = '/user/alice/hub-credits/stream';
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Real promise turns, so that fetches and body reads settle. */
const flush = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise(resolve => setImmediate(resolve));
  }
};

/**
 * The hub and the relay as the reader sees them: per-server streams (the
 * test writes to the open ones), the list, the relay's stream.
 */
class Edge {
  list: unknown = [{ name: 'default', balance: 95, cap: 100 }];
  listStatus = 200;
  relayAnswer: { status: number; headers?: Record<string, string> } | null =
    null;
  streams: Body[] = [];
  relays: { url: string; body: Body }[] = [];
  polls: { url: string; init: RequestInit }[] = [];
  requests: string[] = [];

  fetch = async (url: string, init: RequestInit): Promise<Response> => {
    this.requests.push(url);
    if (url === STREAM) {
      const body = new Body();
      this.streams.push(body);
      init.signal?.addEventListener('abort', () => (body.cancelled = true));
      return new Response(body.stream, { status: 200, headers: SSE });
    }
    if (url === LIST) {
      this.polls.push({ url, init });
      return new Response(JSON.stringify(this.list), {
        status: this.listStatus,
        headers: JSON_TYPE
      });
    }
    if (url.startsWith(RELAY)) {
      if (this.relayAnswer) {
        return new Response(null, this.relayAnswer);
      }
      const body = new Body();
      this.relays.push({ url, body });
      init.signal?.addEventListener('abort', () => (body.cancelled = true));
      return new Response(body.stream, { status: 200, headers: SSE });
    }
    throw new TypeError(`no route ${url}`);
  };

  /** Streams still held open by the reader. */
  held(): Body[] {
    return this.streams.filter(b => !b.cancelled);
  }

  keepalive(): void {
    for (const body of [...this.held(), ...this.relays.map(r => r.body)]) {
      if (!body.cancelled) {
        try {
          body.send('\n\n');
        } catch {
          // Already ended.
        }
      }
    }
  }

  /** A snapshot on every open per-server stream. */
  snapshot(balance: number): void {
    for (const body of this.held()) {
      body.send(`data: {"balance": ${balance}, "cap": 100}\n\n`);
    }
  }
}

const DIRECT: IEndpoint[] = [
  { url: STREAM, label: 'per-server stream, cookie' },
  { url: STREAM, token: 'secret', label: 'per-server stream, token' },
  { url: RELAY, label: 'relay', via: 'relay' }
];

/**
 * A reader that saw snapshots `intervalMs` apart loses the hub stream at
 * once: how long until its first retry (`random` drawn for the jitter).
 */
async function firstRetryAfterOutage(
  intervalMs: number,
  random: number
): Promise<number> {
  const t = reader({ random: () => random });
  await flush();
  for (let k = 0; k < 4; k++) {
    t.edge.snapshot(95);
    await t.advance(intervalMs);
  }
  expect(t.r.taskIntervalMs).toBe(intervalMs);
  const dropAt = t.clock.now();
  t.edge.held()[0].fail('hub restart');
  await flush();
  expect(t.state()).toBe('reconnecting');
  const wait = t.r.status.nextAttemptAt! - dropAt;
  t.r.dispose();
  return wait;
}

function reader(
  options: {
    endpoints?: IEndpoint[];
    list?: boolean;
    mode?: 'auto' | 'poll';
    random?: () => number;
    looking?: boolean;
    /** Sets the edge up before the first request. */
    setup?: (edge: Edge) => void;
  } = {}
) {
  const edge = new Edge();
  options.setup?.(edge);
  const clock = new ManualClock();
  clock.time = 1e12;
  const events: CreditsEvent[] = [];
  const statuses: IConnectionStatus[] = [];
  const r = new CreditsReader({
    endpoints: options.endpoints ?? DIRECT,
    list:
      options.list === false
        ? null
        : { url: LIST, token: 'secret', shape: 'server' },
    mode: options.mode ?? 'auto',
    stream: { fetch: edge.fetch, relayFetch: edge.fetch },
    onEvent: event => events.push(event),
    onStatus: status => statuses.push(status),
    timings: { backoffBaseMs: 5000 },
    clock,
    random: options.random ?? (() => 0.5)
  });
  r.setLooking(options.looking ?? true);
  r.start();
  const state = (): ConnectionState => r.status.state;
  const balances = () =>
    events.map(e =>
      e.kind === 'snapshot' ? e.entries.map(x => x.balance) : e.kind
    );
  const advance = async (ms: number) => {
    // Step through, letting promises settle between timers.
    const step = 1000;
    for (let done = 0; done < ms; done += step) {
      clock.advance(Math.min(step, ms - done));
      // The hub's keepalives (a held stream is never silent).
      edge.keepalive();
      await flush();
    }
  };
  return { r, edge, clock, events, statuses, state, balances, advance };
}

afterEach(async () => {
  await flush();
});

describe('the rule as numbers', () => {
  it('the task interval is the median gap, at most an hour', () => {
    expect(taskIntervalMs([])).toBeNull();
    expect(taskIntervalMs([10000, 10000, 70000])).toBe(10000);
    expect(taskIntervalMs([10000, 20000])).toBe(15000);
    expect(taskIntervalMs([1e9])).toBe(3600000);
  });

  it('the poll period: 60 s before anything is known, never under 30 s hidden, 10 s visible', () => {
    expect(pollPeriodMs(null, false)).toBe(60000);
    expect(pollPeriodMs(2000, false)).toBe(30000);
    expect(pollPeriodMs(2000, true)).toBe(10000);
    expect(pollPeriodMs(120000, false)).toBe(120000);
    expect(pollPeriodMs(1e9, true)).toBe(3600000);
  });
});

describe('CreditsReader', () => {
  it('visible: holds the per-server stream, live', async () => {
    const t = reader();
    await flush();
    expect(t.edge.held()).toHaveLength(1);
    t.edge.snapshot(95);
    await flush();
    expect(t.state()).toBe('live');
    expect(t.balances()).toEqual([[95]]);
    expect(t.edge.polls).toHaveLength(0);
    t.r.dispose();
  });

  it('hidden: keeps the stream for the grace period, then polls the list with the token in the header', async () => {
    const t = reader();
    await flush();
    t.edge.snapshot(95);
    await flush();
    t.r.setLooking(false);
    await t.advance(59000);
    expect(t.edge.held()).toHaveLength(1);
    expect(t.edge.polls).toHaveLength(0);
    await t.advance(1000);
    // Grace over: the stream is closed, the list polled at once.
    expect(t.edge.held()).toHaveLength(0);
    expect(t.edge.polls).toHaveLength(1);
    const { init } = t.edge.polls[0];
    expect(init.headers).toMatchObject({ Authorization: 'token secret' });
    expect(init.credentials).toBe('omit');
    expect(t.edge.polls[0].url).not.toContain('secret');
    expect(t.state()).toBe('polling');
    expect(t.balances().at(-1)).toEqual([95]);
    // Nothing known of the task interval: every 60 s (random 0.5: no jitter).
    await t.advance(59000);
    expect(t.edge.polls).toHaveLength(1);
    await t.advance(1000);
    expect(t.edge.polls).toHaveLength(2);
    expect(t.edge.requests.filter(u => u === STREAM)).toHaveLength(1);
    t.r.dispose();
  });

  it('a tab that comes back within the grace keeps the same stream', async () => {
    const t = reader();
    await flush();
    t.r.setLooking(false);
    await t.advance(30000);
    t.r.setLooking(true);
    await t.advance(120000);
    expect(t.edge.requests.filter(u => u === STREAM)).toHaveLength(1);
    expect(t.edge.held()).toHaveLength(1);
    expect(t.edge.polls).toHaveLength(0);
    t.r.dispose();
  });

  it('the gap after the snapshot sent on connect does not count', async () => {
    const t = reader();
    await flush();
    t.edge.snapshot(95);
    await t.advance(3000);
    t.edge.snapshot(95);
    await flush();
    expect(t.r.taskIntervalMs).toBeNull();
    await t.advance(20000);
    t.edge.snapshot(95);
    await flush();
    expect(t.r.taskIntervalMs).toBe(20000);
    t.r.dispose();
  });

  it('hidden from the start: polls at once, never streams', async () => {
    const t = reader({ looking: false });
    await flush();
    expect(t.edge.requests).toEqual([LIST]);
    expect(t.state()).toBe('polling');
    await t.advance(600000);
    expect(t.edge.held()).toHaveLength(0);
    expect(t.edge.requests.every(u => u === LIST)).toBe(true);
    t.r.dispose();
  });

  it('becoming visible: the last balance stays, marked not live, and the stream opens at once', async () => {
    const t = reader({ looking: false });
    await flush();
    expect(t.state()).toBe('polling');
    const before = t.events.length;
    t.r.setLooking(true);
    // The request goes out now, not after a timer.
    expect(t.edge.requests.at(-1)).toBe(STREAM);
    expect(t.state()).toBe('connecting');
    expect(t.events).toHaveLength(before);
    await flush();
    t.edge.snapshot(90);
    await flush();
    expect(t.state()).toBe('live');
    expect(t.balances().at(-1)).toEqual([90]);
    t.r.dispose();
  });

  it('the poll period follows the task interval seen on the stream, at least 30 s, jittered', async () => {
    const delays: number[] = [];
    let i = 0;
    const randoms = [0.5, 0, 0.999, 0.25];
    const t = reader({ random: () => randoms[i++ % randoms.length] });
    await flush();
    for (let n = 0; n < 5; n++) {
      t.edge.snapshot(95);
      await t.advance(45000);
    }
    expect(t.r.taskIntervalMs).toBe(45000);
    t.r.setLooking(false);
    await t.advance(60000);
    expect(t.edge.polls).toHaveLength(1);
    let last = t.clock.now();
    while (delays.length < 4) {
      await t.advance(1000);
      if (t.edge.polls.length > delays.length + 1) {
        delays.push(t.clock.now() - last);
        last = t.clock.now();
      }
    }
    // Each wait is uniform in [0.5, 1.5] × 45 s.
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(22000);
      expect(delay).toBeLessThanOrEqual(68000);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
    t.r.dispose();
  });

  it('reading "poll": visible tabs poll too, at least 10 s apart', async () => {
    const t = reader({ mode: 'poll' });
    await flush();
    expect(t.edge.requests).toEqual([LIST]);
    expect(t.state()).toBe('polling');
    await t.advance(120000);
    expect(t.edge.requests.every(u => u === LIST)).toBe(true);
    // 60 s before anything is known.
    expect(t.edge.polls).toHaveLength(3);
    t.r.dispose();
  });

  it('the paying entry: the one the stream showed, else a guess that says so; none is free', async () => {
    const t = reader();
    t.edge.list = [
      { name: 'default', balance: 95, cap: 100 },
      { name: 'gpu', balance: 40, cap: 50, grant_value: 5, grant_interval: 60 }
    ];
    await flush();
    t.edge.held()[0].send('data: {"balance": 40, "cap": 50}\n\n');
    await flush();
    t.r.setLooking(false);
    await t.advance(60000);
    const polled = t.events.at(-1);
    expect(polled).toMatchObject({
      kind: 'snapshot',
      entries: [{ name: null, balance: 40, cap: 50, grant: { value: 5 } }]
    });
    expect(t.r.status).toMatchObject({ state: 'polling', reason: '' });
    // The match is remembered when the balance moves.
    t.edge.list = [
      { name: 'default', balance: 95, cap: 100 },
      { name: 'gpu', balance: 30, cap: 50 }
    ];
    await t.advance(60000);
    expect(t.balances().at(-1)).toEqual([30]);
    t.r.dispose();

    const guess = reader({
      looking: false,
      setup: edge =>
        (edge.list = [
          { name: 'gpu', balance: 40, cap: 50 },
          { name: 'default', balance: 95, cap: 100 }
        ])
    });
    await flush();
    expect(guess.balances().at(-1)).toEqual([95]);
    expect(guess.r.status.reason).toBe(
      'which entry pays for this server is a guess: default'
    );
    guess.r.dispose();

    const free = reader({ looking: false, setup: edge => (edge.list = []) });
    await flush();
    expect(free.events.at(-1)).toEqual({ kind: 'snapshot', entries: [] });
    expect(free.state()).toBe('polling');
    free.r.dispose();
  });

  it('no token: hidden tabs read the relay with live=0 instead', async () => {
    const t = reader({ list: false, looking: false });
    await flush();
    expect(t.edge.relays.map(r => r.url)).toEqual([`${RELAY}?live=0`]);
    expect(t.edge.polls).toHaveLength(0);
    expect(t.state()).toBe('polling');
    t.r.dispose();
  });

  it('the hub refuses the token: the relay with live=0', async () => {
    const t = reader({
      looking: false,
      setup: edge => (edge.listStatus = 403)
    });
    await flush();
    expect(t.edge.polls).toHaveLength(1);
    expect(t.edge.relays.map(r => r.url)).toEqual([`${RELAY}?live=0`]);
    t.r.dispose();
  });

  it('through the relay: live=1 while visible, live=0 at once when hidden (the relay keeps the grace)', async () => {
    const t = reader({
      endpoints: [{ url: RELAY, label: 'relay', via: 'relay' }],
      list: false
    });
    await flush();
    expect(t.edge.relays.map(r => r.url)).toEqual([`${RELAY}?live=1`]);
    expect(t.state()).toBe('live');
    t.r.setLooking(false);
    await flush();
    expect(t.edge.relays.map(r => r.url)).toEqual([
      `${RELAY}?live=1`,
      `${RELAY}?live=0`
    ]);
    expect(t.edge.relays[0].body.cancelled).toBe(true);
    t.edge.relays[1].body.send(
      'event: relay\ndata: {"state": "polling", "reason": ""}\n\n'
    );
    await flush();
    expect(t.state()).toBe('polling');
    t.r.dispose();
  });

  it('after an outage, the first retry window is the task interval: readers come back spread', async () => {
    // 200 readers that saw a 40-s task interval lose the hub at once.
    const times: number[] = [];
    for (let n = 0; n < 200; n++) {
      times.push(await firstRetryAfterOutage(40000, (n + 0.5) / 200));
    }
    // Spread over [0, restart spread × 40 s): at most ~N / interval per
    // second, never a wave.
    const window = protocol.reading.restartSpreadTaskIntervals * 40000;
    const perSecond = new Map<number, number>();
    for (const ms of times) {
      const second = Math.floor(ms / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...times)).toBeGreaterThan(0.95 * window);
    expect(Math.max(...times)).toBeLessThan(window);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(
      Math.ceil(200 / 40)
    );
  });

  it('with a long task interval, the first retry still comes within the spread cap', async () => {
    // A 10-minute task: 2.5 intervals would be 25 min; the cap is 5 min.
    const wait = await firstRetryAfterOutage(600000, 0.999);
    expect(wait).toBeGreaterThan(
      0.99 * protocol.reading.restartSpreadMaxSeconds * 1000
    );
    expect(wait).toBeLessThanOrEqual(
      protocol.reading.restartSpreadMaxSeconds * 1000
    );
  });

  it('a busy relay (503, X-Hub-Credits-Busy) shows busy and is asked again slowly', async () => {
    const t = reader({
      endpoints: [{ url: RELAY, label: 'relay', via: 'relay' }],
      list: false,
      setup: edge =>
        (edge.relayAnswer = {
          status: 503,
          headers: { 'X-Hub-Credits-Busy': 'listeners' }
        })
    });
    await flush();
    expect(t.state()).toBe('busy');
    const wait = t.r.status.nextAttemptAt! - t.clock.now();
    // [0.5, 1.5] × the longest backoff (60 s); random 0.5: 60 s.
    expect(wait).toBe(60000);
    await t.advance(59000);
    expect(t.edge.requests).toHaveLength(1);
    await t.advance(1000);
    expect(t.edge.requests).toHaveLength(2);
    t.r.dispose();
  });

  it('a stopped server stays stopped when the tab hides (no poll)', async () => {
    const t = reader();
    await flush();
    t.edge
      .held()[0]
      .send('data: {"error": "Your Server is no longer running."}\n\n');
    await flush();
    expect(t.state()).toBe('stopped');
    t.r.setLooking(false);
    await t.advance(120000);
    expect(t.edge.polls).toHaveLength(0);
    expect(t.state()).toBe('stopped');
    t.r.dispose();
  });

  it('dispose() leaves no timer and no open stream', async () => {
    const t = reader();
    await flush();
    t.r.setLooking(false);
    t.r.dispose();
    await flush();
    expect(t.clock.pending).toBe(0);
    expect(t.edge.held()).toHaveLength(0);
  });
});
