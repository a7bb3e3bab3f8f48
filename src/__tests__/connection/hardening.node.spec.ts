/**
 * Findings of the hardening audit, one test each: retry hints, messages
 * from other tabs, frozen leaders, owners-only stop, unbounded growth.
 */
import { CreditsModel } from '../../model/model';
import { parseCreditsEvent } from '../../model/payload';
import { STREAM_TIMINGS, retryDelayMs } from '../../connection/policy';
import { SharedCredits } from '../../connection/share';
import type { ICreditsSink, ILeaderStream } from '../../connection/share';
import { connectionStatus } from '../../model/state';
import type { IConnectionStatus } from '../../model/state';
import { CreditsStream } from '../../connection/stream';
import { Body, SSE, scriptedFetch } from '../helpers/sse';
import type { Answer } from '../helpers/sse';
import { HandChannel, ManualClock } from '../helpers/tabs';

const tick = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

describe('1. retry hints', () => {
  const timings = STREAM_TIMINGS;

  it('a hint past the timer limit waits the cap, not zero', () => {
    // 3,000,000 s: setTimeout would fire at once above 2^31 - 1 ms.
    expect(retryDelayMs(0, 3e9, timings, 0)).toBe(timings.backoffCapMs);
    expect(retryDelayMs(0, Infinity, timings, 0)).toBe(timings.backoffCapMs);
  });

  it('a hint counts within [base, cap]; no hint leaves the jitter alone', () => {
    expect(retryDelayMs(0, 1, timings, 0)).toBe(timings.backoffBaseMs);
    expect(retryDelayMs(0, 0, timings, 0)).toBe(0);
    expect(retryDelayMs(0, NaN, timings, 0)).toBe(0);
  });

  describe('a retry: field', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('applies to the wait after the connection that sent it, not to later ones', async () => {
      const first = new Body();
      const second = new Body();
      const { fetch, requests } = scriptedFetch([
        { status: 200, headers: SSE, body: first },
        { status: 200, headers: SSE, body: second },
        { status: 200, headers: SSE, body: new Body() }
      ]);
      const stream = new CreditsStream({
        endpoints: [{ url: '/s' }],
        fetch,
        onEvent: () => undefined,
        onStatus: () => undefined,
        random: () => 0
      });
      stream.start();
      await tick();
      first.send('retry: 30000\n\n');
      first.end();
      await tick(29000);
      expect(requests).toHaveLength(1);
      await tick(1000);
      expect(requests).toHaveLength(2);
      // The second connection sent no retry: its end waits the jitter (0).
      second.end();
      await tick(1);
      expect(requests).toHaveLength(3);
      stream.dispose();
    });
  });
});

describe('2. reconnects, whoever asks', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('1,000 reconnect requests in a burst make one hub request', async () => {
    const answers: Answer[] = Array.from({ length: 1001 }, () => ({
      status: 200,
      headers: SSE,
      body: new Body()
    }));
    const { fetch, requests } = scriptedFetch(answers);
    const stream = new CreditsStream({
      endpoints: [{ url: '/s' }],
      fetch,
      onEvent: () => undefined,
      onStatus: () => undefined
    });
    stream.start();
    await tick();
    for (let i = 0; i < 1000; i++) {
      stream.reconnect();
    }
    await tick();
    expect(requests).toHaveLength(2);
    // After the backoff window a reconnect goes through again.
    await tick(STREAM_TIMINGS.backoffBaseMs);
    stream.reconnect();
    await tick();
    expect(requests).toHaveLength(3);
    stream.dispose();
  });
});

class StubStream implements ILeaderStream {
  status: IConnectionStatus = connectionStatus('connecting', 0);
  started = 0;
  reconnects = 0;
  isDisposed = false;
  start() {
    this.started++;
  }
  reconnect() {
    this.reconnects++;
  }
  dispose() {
    this.isDisposed = true;
  }
}

const LEADER = 'leader-tab';

/**
 * A follower tab: another tab (`LEADER`) leads; the test speaks for it.
 */
function follower() {
  const clock = new ManualClock();
  const channel = new HandChannel();
  const model = new CreditsModel({ log: () => undefined });
  const statuses: IConnectionStatus[] = [];
  const logs: string[] = [];
  const streams: StubStream[] = [];
  const sink: ICreditsSink = {
    onEvent: event => model.applyEvent(event),
    onStatus: status => {
      statuses.push(status);
      model.setStatus(status);
    }
  };
  const shared = new SharedCredits({
    key: 'k',
    sink,
    openChannel: () => channel,
    createStream: () => {
      const stream = new StubStream();
      streams.push(stream);
      return stream;
    },
    clock,
    id: 'follower-tab',
    log: message => logs.push(message)
  });
  shared.start();
  channel.deliver({ v: 2, type: 'lead', from: LEADER, term: 1, rank: 1 });
  return { shared, channel, model, statuses, logs, streams, clock };
}

const GOOD_STATUS = {
  state: 'live',
  reason: '',
  failures: 0,
  nextAttemptAt: null,
  since: 1
};

describe('3. messages from other tabs', () => {
  it('null, forged and malformed messages are ignored and logged once', () => {
    const tab = follower();
    tab.channel.deliver({
      v: 2,
      from: LEADER,
      type: 'data',
      data: '{"balance": 5, "cap": 10}'
    });
    for (const message of [
      null,
      'x',
      { type: 'status', from: LEADER, status: { state: 'stopped' } },
      { v: 2, type: 'status', from: LEADER, status: { state: 'stopped' } },
      {
        v: 2,
        type: 'status',
        from: LEADER,
        status: { ...GOOD_STATUS, state: 'exploded' }
      },
      {
        v: 2,
        type: 'status',
        from: LEADER,
        status: { ...GOOD_STATUS, since: NaN }
      },
      { v: 2, type: 'status', status: GOOD_STATUS },
      { v: 2, type: 'data', from: LEADER, data: '{"balance": "5", "cap": 10}' },
      {
        v: 2,
        type: 'data',
        from: LEADER,
        data: '[{"balance": 1, "cap": 2, "entries": "x"}, 3]'
      },
      { v: 2, type: 'data', from: LEADER, data: { balance: 1, cap: 2 } },
      { v: 1, type: 'data', data: '{"balance": 1, "cap": 2}' },
      { v: 2, type: 'lead', from: 'x', term: -1, rank: 1 },
      { v: 2, type: 'event', from: LEADER, event: { kind: 'stopped' } }
    ]) {
      expect(() => tab.channel.deliver(message)).not.toThrow();
    }
    expect(tab.model.state).toBe('connecting');
    expect(tab.model.entries.map(e => e.balance)).toEqual([5]);
    expect(tab.model.history.map(s => s.available)).toEqual([5]);
    expect(tab.model.stopMessage).toBe('');
    // A second copy of a bad message is not logged again.
    const logged = tab.logs.length;
    tab.channel.deliver(null);
    expect(tab.logs).toHaveLength(logged);
    expect(logged).toBeGreaterThan(3);
  });

  it('a well-formed status from the leader is applied; from another tab it is not', () => {
    const tab = follower();
    tab.channel.deliver({
      v: 2,
      type: 'status',
      from: 'someone-else',
      status: { ...GOOD_STATUS, state: 'stopped' }
    });
    expect(tab.model.state).toBe('connecting');
    tab.channel.deliver({
      v: 2,
      type: 'status',
      from: LEADER,
      status: GOOD_STATUS
    });
    expect(tab.model.state).toBe('live');
  });
});

describe('4. a frozen leader', () => {
  it('followers ping a silent leader, then mark the state stale and take over', () => {
    const tab = follower();
    tab.channel.deliver({
      v: 2,
      type: 'status',
      from: LEADER,
      status: GOOD_STATUS
    });
    tab.clock.advance(20000);
    tab.channel.deliver({ v: 2, type: 'lead', from: LEADER, term: 1, rank: 1 });
    tab.clock.advance(23999);
    // The leader spoke 24 s ago: asked, still trusted.
    expect(tab.channel.types()).not.toContain('ping');
    tab.clock.advance(1);
    expect(tab.channel.types().at(-1)).toBe('ping');
    tab.clock.advance(999);
    expect(tab.streams).toHaveLength(0);
    tab.clock.advance(1);
    expect(tab.statuses.at(-1)).toMatchObject({
      state: 'reconnecting',
      reason: 'the tab that reads the credits stopped answering'
    });
    expect(tab.channel.posted.at(-1)).toMatchObject({
      type: 'claim',
      term: 2
    });
    tab.clock.advance(250);
    expect(tab.streams).toHaveLength(1);
    expect(tab.streams[0].started).toBe(1);
    expect(tab.shared.isLeader).toBe(true);
  });

  it('a leader that answers the ping keeps leading', () => {
    const tab = follower();
    tab.clock.advance(24000);
    expect(tab.channel.types().at(-1)).toBe('ping');
    tab.channel.deliver({ v: 2, type: 'lead', from: LEADER, term: 1, rank: 1 });
    tab.clock.advance(5000);
    expect(tab.streams).toHaveLength(0);
    expect(tab.channel.types()).not.toContain('claim');
  });

  it('the leader beats while the hub is quiet, and answers pings at once', () => {
    const clock = new ManualClock();
    const channel = new HandChannel();
    const shared = new SharedCredits({
      key: 'k',
      sink: { onEvent: () => undefined, onStatus: () => undefined },
      openChannel: () => channel,
      createStream: () => new StubStream(),
      clock
    });
    shared.start();
    clock.advance(1000 + 250);
    expect(shared.isLeader).toBe(true);
    channel.posted = [];
    clock.advance(8000 * 3);
    expect(channel.types().filter(t => t === 'lead')).toHaveLength(3);
    channel.deliver({ v: 2, type: 'ping', from: 'other' });
    expect(channel.types().at(-1)).toBe('lead');
    shared.dispose();
    expect(channel.types().at(-1)).toBe('bye');
  });
});

describe('5. unbounded growth', () => {
  it('negative grant values are no grant', () => {
    const event = parseCreditsEvent(
      '[{"name": "a", "balance": 1, "cap": 2, "grant_value": -5, "grant_interval": 60}]'
    );
    expect(event.kind === 'snapshot' && event.entries[0].grant).toBeNull();
  });

  it('the reasons logged for ignored events are bounded', () => {
    const logs: string[] = [];
    const model = new CreditsModel({ log: message => logs.push(message) });
    for (let i = 0; i < 1000; i++) {
      model.applyEvent({ kind: 'invalid', reason: `reason ${i}` });
    }
    expect(logs.length).toBeLessThanOrEqual(20);
  });

  it('too many entries or overlong names are refused', () => {
    const many = JSON.stringify(
      Array.from({ length: 101 }, (_, i) => ({
        name: `e${i}`,
        balance: 1,
        cap: 1
      }))
    );
    expect(parseCreditsEvent(many).kind).toBe('invalid');
    const long = JSON.stringify({ name: 'x'.repeat(201), balance: 1, cap: 1 });
    expect(parseCreditsEvent(long).kind).toBe('invalid');
  });
});
