/**
 * The stream policy against a real HTTP server that misbehaves: for each
 * route, the resulting state, the number of attempts and their spacing.
 * Timings are scaled down (50 ms backoff base, 300 ms watchdog) and the
 * jitter is pinned to its maximum so the expected spacing is exact; the
 * spacing is checked from the server's own arrival times.
 */
import type { CreditsEvent } from '../../model/payload';
import { CreditsStream } from '../../connection/stream';
import type { IEndpoint } from '../../connection/attempt';
import type { IStreamTimings } from '../../connection/policy';
import type { ConnectionState } from '../../model/state';
import { FaultServer } from '../helpers/faultserver';
import { until } from '../helpers/sse';

const TIMINGS: IStreamTimings = {
  backoffBaseMs: 50,
  backoffFactor: 2,
  backoffCapMs: 400,
  connectTimeoutMs: 300,
  heartbeatTimeoutMs: 300,
  offlineAfterFailures: 5
};
// Client timers fire at or after their delay, but the spacing is measured
// at the server, where one request's connection set-up can take longer than
// the next one's; this much earlier still counts as on time.
const EARLY = 20;

let server: FaultServer;
let streams: CreditsStream[] = [];

beforeAll(async () => {
  server = new FaultServer();
  await server.start();
});

afterEach(() => {
  streams.forEach(stream => stream.dispose());
  streams = [];
});

afterAll(async () => {
  await server.stop();
});

function connect(
  paths: string | IEndpoint[],
  timings: Partial<IStreamTimings> = {}
) {
  const endpoints =
    typeof paths === 'string'
      ? [{ url: server.url(paths) }]
      : paths.map(e => ({ ...e, url: server.url(e.url) }));
  const events: CreditsEvent[] = [];
  const states: ConnectionState[] = [];
  const stream = new CreditsStream({
    endpoints,
    fetch: (input, init) => fetch(input, init),
    onEvent: event => events.push(event),
    onStatus: status => {
      if (states[states.length - 1] !== status.state) {
        states.push(status.state);
      }
    },
    timings: { ...TIMINGS, ...timings },
    random: () => 0.999999
  });
  streams.push(stream);
  stream.start();
  return { stream, events, states };
}

/**
 * Waits `ms` and checks that nothing else happened meanwhile.
 */
const quietFor = (ms: number) =>
  new Promise(resolve => setTimeout(resolve, ms));

function gaps(path: string): number[] {
  const times = server.hits(path).map(r => r.at);
  return times.slice(1).map((t, i) => t - times[i]);
}

function snapshots(events: CreditsEvent[]) {
  return events.filter(e => e.kind === 'snapshot');
}

beforeEach(() => {
  server.requests.length = 0;
});

describe('fault server', () => {
  it('normal stream with keepalives: live, one attempt, watchdog never fires', async () => {
    const { stream, events } = connect('/normal');
    await until(() => snapshots(events).length === 1);
    expect(stream.status.state).toBe('live');
    // Twice the watchdog timeout: keepalives (every 50 ms) keep it alive.
    await quietFor(700);
    expect(server.hits('/normal')).toHaveLength(1);
    expect(stream.status.state).toBe('live');
  });

  it('drop after one event: reconnects after the base delay each time', async () => {
    const { stream, events } = connect('/drop-after-one');
    await until(() => server.hits('/drop-after-one').length >= 4);
    // Each attempt delivered a valid event, so the backoff reset every time.
    for (const gap of gaps('/drop-after-one')) {
      expect(gap).toBeGreaterThanOrEqual(50 - EARLY);
      expect(gap).toBeLessThan(50 * 2 * 2);
    }
    expect(snapshots(events).length).toBeGreaterThanOrEqual(3);
    expect(['live', 'reconnecting', 'connecting']).toContain(
      stream.status.state
    );
  });

  it('clean end of stream: reconnects after the base delay', async () => {
    const { states } = connect('/clean-end');
    await until(() => server.hits('/clean-end').length >= 3);
    gaps('/clean-end').forEach(gap =>
      expect(gap).toBeGreaterThanOrEqual(50 - EARLY)
    );
    expect(states).toContain('reconnecting');
  });

  it('silence after headers: the watchdog reconnects after its timeout', async () => {
    const { states } = connect('/silence');
    await until(() => server.hits('/silence').length >= 2);
    const [gap] = gaps('/silence');
    // 300 ms of silence, then the first backoff window (50 ms).
    expect(gap).toBeGreaterThanOrEqual(300 + 50 - EARLY);
    expect(states.slice(0, 2)).toEqual(['live', 'reconnecting']);
  });

  it('no response headers: the connect timeout ends the attempt', async () => {
    const { stream } = connect('/no-headers');
    await until(() => server.hits('/no-headers').length >= 2);
    expect(gaps('/no-headers')[0]).toBeGreaterThanOrEqual(300 + 50 - EARLY);
    expect(stream.status.reason).toBe('no response from the hub');
  });

  it.each([
    ['/status/404', 'unavailable'],
    ['/status/409', 'stopped'],
    ['/status/401', 'unauthorized'],
    ['/status/403', 'unauthorized'],
    ['/login-redirect', 'unauthorized'],
    ['/login-page', 'unauthorized']
  ])('%s ends in %s after one attempt', async (path, state) => {
    const { stream } = connect(path);
    await until(() => stream.status.state === state);
    await quietFor(300);
    expect(server.hits(path)).toHaveLength(1);
    expect(stream.status.state).toBe(state);
  });

  it.each(['/status/500', '/status/502', '/status/429'])(
    '%s retries with exponential backoff up to the cap, then shows offline',
    async path => {
      const { stream, states } = connect(path);
      await until(() => server.hits(path).length >= 7, 8000);
      const expected = [50, 100, 200, 400, 400, 400];
      gaps(path).forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(expected[i] - EARLY);
        expect(gap).toBeLessThan(expected[i] + 150);
      });
      expect(states).toContain('reconnecting');
      // Five failures in a row: offline, still retrying.
      expect(stream.status.state).toBe('offline');
      expect(stream.isActive).toBe(true);
    }
  );

  it('honours Retry-After as a lower bound (up to the cap)', async () => {
    const path = '/status/503';
    connect([{ url: `${path}?retry-after=1` }], { backoffCapMs: 2000 });
    await until(() => server.hits(path).length >= 2, 4000);
    expect(gaps(path)[0]).toBeGreaterThanOrEqual(1000 - EARLY);
  });

  it('honours a retry: field as a lower bound', async () => {
    connect('/retry-field');
    await until(() => server.hits('/retry-field').length >= 2);
    expect(gaps('/retry-field')[0]).toBeGreaterThanOrEqual(300 - EARLY);
  });

  it('malformed JSON then a good event: reports it and stays live', async () => {
    const { stream, events } = connect('/malformed-then-good');
    await until(() => snapshots(events).length === 1);
    expect(events.map(e => e.kind)).toEqual(['invalid', 'invalid', 'snapshot']);
    expect(stream.status.state).toBe('live');
    expect(server.hits('/malformed-then-good')).toHaveLength(1);
  });

  it('one byte every few ms: the event arrives whole, no reconnect', async () => {
    const { events } = connect('/trickle');
    await until(() => snapshots(events).length === 1);
    const [event] = snapshots(events);
    expect(event.kind === 'snapshot' && event.entries[0].project?.name).toBe(
      'Zürich €'
    );
    expect(server.hits('/trickle')).toHaveLength(1);
  });

  it('a 900-KB event is read', async () => {
    const { events, stream } = connect('/large');
    await until(() => snapshots(events).length === 1);
    const [event] = snapshots(events);
    expect(event.kind === 'snapshot' && event.entries[0].balance).toBe(11);
    expect(stream.status.state).toBe('live');
  });

  it('a multi-megabyte event is refused: the connection is dropped and opened again', async () => {
    const { events, stream } = connect('/huge');
    await until(() => snapshots(events).length === 1);
    expect(server.hits('/huge')).toHaveLength(2);
    const [event] = snapshots(events);
    expect(event.kind === 'snapshot' && event.entries[0].balance).toBe(10);
    expect(stream.status.state).toBe('live');
  });

  it('a line that never ends is cut at 1 MB, again and again, never grown for ever', async () => {
    const states: string[] = [];
    const { stream } = connect('/endless-line');
    const seen = () => {
      if (states[states.length - 1] !== stream.status.reason) {
        states.push(stream.status.reason);
      }
      return server.hits('/endless-line').length >= 3;
    };
    await until(seen, 10000);
    expect(
      states.filter(r => /larger than 1 MB/.test(r)).length
    ).toBeGreaterThan(0);
  });

  it('502 with Retry-After: 3000000 (past the timer limit): attempts spaced by the cap, no loop', async () => {
    const path = '/status/502';
    connect([{ url: `${path}?retry-after=3000000` }]);
    await until(() => server.hits(path).length >= 3, 4000);
    await quietFor(300);
    // Three attempts in about 2 x 400 ms, never hundreds a second.
    expect(server.hits(path).length).toBeLessThanOrEqual(4);
    for (const gap of gaps(path)) {
      expect(gap).toBeGreaterThanOrEqual(400 - EARLY);
    }
  });

  it('the error event stops for good', async () => {
    const { stream, events } = connect('/error-event');
    await until(() => stream.status.state === 'stopped');
    await quietFor(300);
    expect(server.hits('/error-event')).toHaveLength(1);
    expect(events.map(e => e.kind)).toEqual(['snapshot', 'stopped']);
    expect(stream.isActive).toBe(false);
  });

  it('a 409 while the hub restarts after a drop is checked again, then live', async () => {
    const { stream, events, states } = connect('/restarting-hub');
    await until(() => snapshots(events).length === 2);
    expect(stream.status.state).toBe('live');
    expect(states).not.toContain('stopped');
    expect(server.hits('/restarting-hub')).toHaveLength(4);
  });

  it('a 409 that persists after a drop ends in stopped after three checks', async () => {
    const { stream } = connect('/gone-after-drop');
    await until(() => stream.status.state === 'stopped');
    await quietFor(500);
    // The drop, three checks, and the fourth 409 that settles it.
    expect(server.hits('/gone-after-drop')).toHaveLength(5);
  });

  it('cookie refused: retries once with the token in the header, never in the URL', async () => {
    const { stream } = connect([
      { url: '/status/403' },
      { url: '/status/403', token: 'secret-token' }
    ]);
    await until(() => stream.status.state === 'unauthorized');
    const hits = server.hits('/status/403');
    expect(hits.map(h => h.authorization)).toEqual([
      undefined,
      'token secret-token'
    ]);
    for (const request of server.requests) {
      expect(request.path).not.toContain('secret-token');
    }
  });

  it('per-server stream refused with cookie and token: falls back to the per-user stream', async () => {
    const { stream, events } = connect([
      { url: '/status/403' },
      { url: '/status/403', token: 't' },
      { url: '/normal' }
    ]);
    await until(() => snapshots(events).length === 1);
    expect(stream.status.state).toBe('live');
    expect(stream.endpoint.url).toBe(server.url('/normal'));
  });
});
