import type { CreditsEvent } from '../../model/payload';
import { SharedCredits } from '../../connection/share';
import type {
  ICreditsSink,
  IChannel,
  ILeaderStream,
  ILocks
} from '../../connection/share';
import type { ConnectionState, IConnectionStatus } from '../../model/state';
import { until } from '../helpers/sse';

/**
 * Exclusive, first-come first-served locks, as the Web Locks API grants
 * them (Node 20 has no navigator.locks; Chromium runs the real one in the
 * browser tests).
 */
class FakeLocks implements ILocks {
  request(
    _name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void>
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter = { callback, resolve };
      options.signal?.addEventListener('abort', () => {
        const i = this._queue.indexOf(waiter);
        if (i >= 0) {
          this._queue.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        }
      });
      this._queue.push(waiter);
      this._next();
    });
  }

  private _next(): void {
    if (this._held || this._queue.length === 0) {
      return;
    }
    const waiter = this._queue.shift()!;
    this._held = true;
    void waiter.callback().then(() => {
      this._held = false;
      waiter.resolve(undefined);
      this._next();
    });
  }

  private _held = false;
  private _queue: {
    callback: () => Promise<void>;
    resolve: (value: unknown) => void;
  }[] = [];
}

function status(state: ConnectionState): IConnectionStatus {
  return { state, reason: '', failures: 0, nextAttemptAt: null, since: 0 };
}

class FakeStream implements ILeaderStream {
  constructor(readonly sink: ICreditsSink) {}
  status = status('connecting');
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
 * A browser with shared locks and BroadcastChannel; each `tab()` joins it.
 */
function browser(locks: ILocks | null = new FakeLocks()) {
  const name = `test-${++key}`;
  const streams: FakeStream[] = [];
  const tab = () => {
    const events: CreditsEvent[] = [];
    const states: ConnectionState[] = [];
    const shared = new SharedCredits({
      key: name,
      sink: {
        onEvent: event => events.push(event),
        onStatus: s => states.push(s.state)
      },
      locks,
      openChannel: channel =>
        new BroadcastChannel(channel) as unknown as IChannel,
      createStream: sink => {
        const stream = new FakeStream(sink);
        streams.push(stream);
        return stream;
      }
    });
    tabs.push(shared);
    shared.start();
    return { shared, events, states };
  };
  return { tab, streams };
}

describe('SharedCredits', () => {
  it('the first tab streams; later tabs render its broadcasts', async () => {
    const { tab, streams } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    const c = tab();
    streams[0].setState('live');
    streams[0].emit(95);
    // A follower may get the snapshot twice (broadcast and reply to its hello).
    await until(() => b.events.length >= 1 && c.events.length >= 1);
    expect(streams).toHaveLength(1);
    expect(a.shared.isLeader).toBe(true);
    expect(b.shared.isLeader).toBe(false);
    expect(a.events).toEqual([snapshot(95)]);
    expect(b.events[b.events.length - 1]).toEqual(snapshot(95));
    expect(c.events[c.events.length - 1]).toEqual(snapshot(95));
    expect(c.states).toContain('live');
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
  });

  it('when the leader closes, a waiting tab takes over the stream', async () => {
    const { tab, streams } = browser();
    const a = tab();
    await until(() => streams.length === 1);
    const b = tab();
    a.shared.dispose();
    await until(() => streams.length === 2);
    expect(streams[0].isDisposed).toBe(true);
    expect(streams[1].started).toBe(1);
    expect(b.shared.isLeader).toBe(true);
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

  it('without Web Locks every tab streams on its own', async () => {
    const { tab, streams } = browser(null);
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
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(streams).toHaveLength(1);
  });
});
