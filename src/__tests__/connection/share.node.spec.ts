/**
 * Tabs of one browser on Node's real BroadcastChannel, with no Web Locks
 * anywhere: one leader, takeover when it closes or freezes, visibility
 * reported to the leader.
 */
import type { CreditsEvent } from '../../model/payload';
import { SharedCredits } from '../../connection/share';
import type {
  ICreditsSink,
  IChannel,
  ILeaderStream
} from '../../connection/share';
import type { ConnectionState, IConnectionStatus } from '../../model/state';
import { until } from '../helpers/sse';
import { FakeVisibility } from '../helpers/tabs';

function status(state: ConnectionState): IConnectionStatus {
  return { state, reason: '', failures: 0, nextAttemptAt: null, since: 0 };
}

class FakeStream implements ILeaderStream {
  constructor(readonly sink: ICreditsSink) {}
  status = status('connecting');
  started = 0;
  reconnects = 0;
  isDisposed = false;
  looking: boolean[] = [];
  start() {
    this.started++;
  }
  reconnect() {
    this.reconnects++;
  }
  dispose() {
    this.isDisposed = true;
  }
  setLooking(looking: boolean) {
    this.looking.push(looking);
  }
  /** A snapshot, as the stream hands it on: parsed, and the hub's data. */
  emit(balance: number) {
    this.sink.onEvent(snapshot(balance), `{"balance": ${balance}, "cap": 100}`);
  }
  setState(state: ConnectionState) {
    this.status = status(state);
    this.sink.onStatus(this.status);
  }
}

const snapshot = (balance: number): CreditsEvent => ({
  kind: 'snapshot',
  entries: [{ name: null, balance, cap: 100, grant: null, project: null }]
});

let key = 0;
let tabs: SharedCredits[] = [];

afterEach(() => {
  tabs.forEach(tab => tab.dispose());
  tabs = [];
});

/**
 * A browser with a BroadcastChannel and no locks; each `tab()` joins it.
 * Short timings, real time.
 */
function browser(share = true) {
  const name = `test-${++key}`;
  const streams: FakeStream[] = [];
  const tab = (visibility = new FakeVisibility(true)) => {
    const events: CreditsEvent[] = [];
    const states: ConnectionState[] = [];
    const shared = new SharedCredits({
      key: name,
      sink: {
        onEvent: event => events.push(event),
        onStatus: s => states.push(s.state)
      },
      openChannel: channel =>
        share ? (new BroadcastChannel(channel) as unknown as IChannel) : null,
      visibility,
      createStream: sink => {
        const stream = new FakeStream(sink);
        streams.push(stream);
        return stream;
      },
      // Short, with room for a busy test machine.
      answerMs: 150,
      claimMs: 80,
      beatMs: 100,
      silenceMs: 300,
      seenMs: 100
    });
    tabs.push(shared);
    shared.start();
    return { shared, events, states, visibility };
  };
  const live = () => streams.filter(s => !s.isDisposed);
  return { tab, streams, live };
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe('SharedCredits without Web Locks', () => {
  it('the first tab leads; later tabs render its broadcasts', async () => {
    const { tab, streams } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    const c = tab();
    streams[0].setState('live');
    streams[0].emit(95);
    await until(() => b.events.length >= 1 && c.events.length >= 1);
    expect(streams).toHaveLength(1);
    expect(a.shared.isLeader).toBe(true);
    expect(b.shared.isLeader).toBe(false);
    expect(a.events).toEqual([snapshot(95)]);
    expect(b.events[b.events.length - 1]).toEqual(snapshot(95));
    expect(c.states).toContain('live');
  });

  it('eight tabs opened at once elect exactly one leader, and it stays one', async () => {
    const { tab, live } = browser();
    const all = Array.from({ length: 8 }, () => tab());
    await until(() => live().length === 1 && all.some(t => t.shared.isLeader));
    // Long past every claim window, beats and pings: still one.
    await sleep(1000);
    expect(live()).toHaveLength(1);
    expect(all.filter(t => t.shared.isLeader)).toHaveLength(1);
  });

  it('a tab that joins late gets the current status and last snapshot', async () => {
    const { tab, streams } = browser();
    tab();
    await until(() => streams.length === 1);
    streams[0].setState('live');
    streams[0].emit(80);
    const late = tab();
    await until(() => late.events.length === 1);
    expect(late.events).toEqual([snapshot(80)]);
    expect(late.states[late.states.length - 1]).toBe('live');
    expect(late.shared.isLeader).toBe(false);
  });

  it('when the leader closes, another tab takes over at once', async () => {
    const { tab, streams, live } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    const c = tab();
    await sleep(200);
    a.shared.dispose();
    await until(() => streams.length === 2);
    await sleep(400);
    expect(streams[0].isDisposed).toBe(true);
    expect(live()).toHaveLength(1);
    expect(live()[0].started).toBe(1);
    expect([b, c].filter(t => t.shared.isLeader)).toHaveLength(1);
  });

  it('a frozen leader (silent, no goodbye) is replaced; back, it steps down', async () => {
    const { tab, streams, live } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    await sleep(200);
    // Freeze a without a word: its channel goes deaf and mute.
    const channel = (a.shared as unknown as { _channel: IChannel })._channel;
    const post = channel.postMessage.bind(channel);
    const onmessage = channel.onmessage;
    channel.postMessage = () => undefined;
    channel.onmessage = null;
    await until(() => b.shared.isLeader, 2000);
    expect(b.states).toContain('reconnecting');
    // a thaws: its next beat meets b's better term, and one leader is left.
    channel.postMessage = post;
    channel.onmessage = onmessage;
    await until(() => !a.shared.isLeader, 2000);
    expect(streams[0].isDisposed).toBe(true);
    expect(live()).toHaveLength(1);
    expect(b.shared.isLeader).toBe(true);
  });

  it('leave() hands over; rejoin() follows the new leader', async () => {
    const { tab, streams, live } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    await sleep(200);
    a.shared.leave();
    await until(() => b.shared.isLeader);
    a.shared.rejoin();
    // Past its answer and claim windows: it heard the leader and follows.
    await sleep(600);
    expect(a.shared.isLeader).toBe(false);
    expect(live()).toHaveLength(1);
  });

  it('the leader learns whether any tab is visible; a closed visible tab stops counting', async () => {
    const { tab, streams } = browser();
    const a = tab(new FakeVisibility(false));
    await until(() => streams.length === 1);
    const leader = streams[0];
    expect(leader.looking).toEqual([false]);
    const b = tab(new FakeVisibility(false));
    await sleep(200);
    b.visibility.set(true);
    await until(() => leader.looking.at(-1) === true);
    b.visibility.set(false);
    await until(() => leader.looking.at(-1) === false);
    b.visibility.set(true);
    await until(() => leader.looking.at(-1) === true);
    b.shared.dispose();
    await until(() => leader.looking.at(-1) === false);
    // The leader's own visibility counts too.
    a.visibility.set(true);
    await until(() => leader.looking.at(-1) === true);
  });

  it('a visible tab that goes silent (frozen) stops counting after three periods', async () => {
    const { tab, streams } = browser();
    tab(new FakeVisibility(false));
    await until(() => streams.length === 1);
    const b = tab(new FakeVisibility(true));
    await until(() => streams[0].looking.at(-1) === true);
    const channel = (b.shared as unknown as { _channel: IChannel })._channel;
    channel.postMessage = () => undefined;
    await until(() => streams[0].looking.at(-1) === false, 2000);
  });

  it('reconnect() in a follower reconnects the leader stream', async () => {
    const { tab, streams } = browser();
    tab();
    await until(() => streams.length === 1);
    const b = tab();
    b.shared.reconnect();
    await until(() => streams[0].reconnects === 1);
    expect(streams).toHaveLength(1);
  });

  it('without a channel (sharing off) every tab reads on its own', async () => {
    const { tab, streams } = browser(false);
    tab();
    tab();
    expect(streams).toHaveLength(2);
    expect(streams.every(s => s.started === 1)).toBe(true);
  });

  it('a disposed follower never leads and leaves no listener', async () => {
    const { tab, streams } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    b.shared.dispose();
    a.shared.dispose();
    // Nobody is left to take over.
    await sleep(300);
    expect(streams).toHaveLength(1);
  });
});
