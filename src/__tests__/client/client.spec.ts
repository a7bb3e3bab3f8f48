/**
 * The page's client of its server part, against a fake server at the
 * network edge, a fake page and a manual clock: what it asks, when, and
 * what the page then says.
 */
import { Signal } from '@lumino/signaling';
import {
  CHANGED_SCHEMA,
  CLAIM_EVERY_MS,
  CreditsClient,
  LEASE_EVERY_MS,
  LEASE_SECONDS,
  RETRY_BASE_MS,
  RETRY_CAP_MS
} from '../../client/client';
import type { IEmission } from '../../client/client';
import { CreditsModel } from '../../model/model';
import { because, connectionStatus } from '../../model/state';
import { ManualClock } from '../helpers/clock';
import { rawEntry, rawState } from '../helpers/documents';
import { FakePage, FakeServer, answer, flush } from '../helpers/server';

const BASE = '/user/alice/';
const STATE = `${BASE}hub-credits/state`;
const CLAIM = `${BASE}hub-credits/claim`;
const LEASE = `${CLAIM}?lease=${LEASE_SECONDS}`;
const STATUS = `${BASE}api/status`;
const RECONNECT = `${BASE}hub-credits/reconnect`;
const MIN = 60_000;

type Route = () => Response | Error | undefined;

const clients: CreditsClient[] = [];
afterEach(() => {
  clients.forEach(client => client.dispose());
  clients.length = 0;
});

/**
 * A client of a server part that says `hub` (change it, then emit), on a
 * visible, online page unless told otherwise.
 */
function setUp(options: { visible?: boolean; online?: boolean } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const hub = {
    state: 'live',
    seq: 1,
    start: 'run-1',
    balance: 80,
    /** The server part's history: [t (s), available]. */
    history: [] as [number, number][]
  };
  const document = () => {
    // As state.py: only the samples after `after`, when asked.
    const asked = server.requests[server.requests.length - 1].path;
    const after = Number(/after=([\d.]+)/.exec(asked)?.[1] ?? 0);
    return answer(
      200,
      rawState(
        {
          state: hub.state,
          seq: hub.seq,
          start: hub.start,
          entries: [rawEntry(hub.balance)],
          history: hub.history.filter(([t]) => t > after),
          history_after: after
        },
        clock.now()
      )
    );
  };
  const change = () => answer(200, { seq: hub.seq, start: hub.start });
  const routes: Record<string, Route> = {
    [`GET ${STATE}`]: document,
    [`POST ${CLAIM}`]: change,
    [`POST ${LEASE}`]: change,
    [`POST ${RECONNECT}`]: () => answer(200, {}),
    [`GET ${STATUS}`]: () => answer(200, { started: 'x' })
  };
  const server = new FakeServer();
  server.respond = (path, method) => {
    const route =
      routes[`${method} ${path}`] ?? routes[`${method} ${path.split('?')[0]}`];
    return route ? route() : answer(599);
  };
  const page = new FakePage();
  page.visible = options.visible ?? true;
  page.online = options.online ?? true;
  const model = new CreditsModel({ now: () => clock.now() });
  const events = new Signal<unknown, IEmission>({});
  const lost = new Signal<unknown, Error>({});
  const client = new CreditsClient({
    model,
    baseUrl: BASE,
    fetch: server.fetch,
    page,
    events,
    connectionFailure: lost,
    clock,
    random: () => 1
  });
  clients.push(client);
  const emit = (seq: unknown, start: unknown = hub.start) =>
    events.emit({ schema_id: CHANGED_SCHEMA, seq, start });
  return {
    clock,
    hub,
    document,
    routes,
    server,
    page,
    model,
    events,
    lost,
    client,
    emit,
    reads: () => server.count(STATE, 'GET'),
    claims: () => server.count(CLAIM, 'POST'),
    leases: () =>
      server.requests.filter(
        r => r.method === 'POST' && r.path.startsWith(LEASE)
      ).length,
    /** The lead (s) the last lease said. */
    lead: () =>
      server.requests
        .filter(r => r.path.startsWith(LEASE))
        .map(r => new URLSearchParams(r.path.split('?')[1]).get('lead'))
        .pop(),
    /** Starts, and lets the first answers come. */
    start: async () => {
      client.start();
      await flush();
    }
  };
}

describe('the history', () => {
  it('is read whole once, then only the samples after the last one; a new run of the server part is read whole again', async () => {
    const t = setUp();
    t.hub.history = [
      [1000, 90],
      [1010, 85]
    ];
    await t.start();
    expect(t.server.log).toContain(`GET ${STATE}`);
    expect(t.model.history.map(s => s.available)).toEqual([90, 85]);
    t.hub.history.push([1020, 80]);
    t.emit(2);
    await flush();
    expect(t.server.log[t.server.log.length - 1]).toBe(
      `GET ${STATE}?after=1010`
    );
    expect(t.model.history.map(s => s.available)).toEqual([90, 85, 80]);
    // A restarted server part (another start id): all of its history.
    t.hub.start = 'run-2';
    t.hub.history = [
      [1030, 70],
      [1040, 60]
    ];
    t.emit(1, 'run-2');
    await flush();
    expect(t.server.log[t.server.log.length - 1]).toBe(`GET ${STATE}`);
    expect(t.model.history.map(s => s.available)).toEqual([70, 60]);
  });
});

describe('reading the state', () => {
  it('a visible page claims first and reads GET state once the claim answers (no cache, no redirect followed)', async () => {
    const t = setUp();
    expect(t.server.requests).toHaveLength(0);
    expect(t.model.state).toBe('connecting');
    t.client.start();
    expect(t.server.log).toEqual([`POST ${CLAIM}`]);
    await flush();
    expect(t.server.log).toEqual([`POST ${CLAIM}`, `GET ${STATE}`]);
    expect(t.server.requests[1].init).toMatchObject({
      method: 'GET',
      redirect: 'manual',
      cache: 'no-store'
    });
    expect(t.model.state).toBe('live');
    expect(t.model.entries.map(e => e.balance)).toEqual([80]);
    expect(t.reads()).toBe(1);
  });

  it('a hidden page with nothing to guard reads GET state at once, and sends nothing else', async () => {
    const t = setUp({ visible: false });
    t.client.start();
    expect(t.server.log).toEqual([`GET ${STATE}`]);
    await flush();
    expect(t.model.state).toBe('live');
    expect(t.server.log).toEqual([`GET ${STATE}`]);
  });

  it('a change event with a higher seq or from another run reads again; an equal, older or foreign one does not', async () => {
    const t = setUp();
    await t.start();
    expect(t.reads()).toBe(1);
    t.emit(1);
    t.emit(0);
    t.emit('2');
    t.emit(2, null);
    t.events.emit({ schema_id: `${CHANGED_SCHEMA}x`, seq: 9, start: 'run-1' });
    await flush();
    expect(t.reads()).toBe(1);

    t.hub.seq = 2;
    t.hub.balance = 70;
    t.emit(2);
    await flush();
    expect(t.reads()).toBe(2);
    expect(t.model.entries[0].balance).toBe(70);

    // The server part restarted: its seq starts over.
    t.hub.start = 'run-2';
    t.hub.seq = 1;
    t.hub.balance = 60;
    t.emit(1, 'run-2');
    await flush();
    expect(t.reads()).toBe(3);
    expect(t.model.entries[0].balance).toBe(60);
    t.emit(1, 'run-2');
    await flush();
    expect(t.reads()).toBe(3);
  });

  it('one read at a time: changes meanwhile bring one read after it, not one each', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => undefined;
    t.client.start();
    t.emit(2);
    t.emit(3);
    t.emit(1, 'run-2');
    await flush();
    expect(t.reads()).toBe(1);
    t.server.held[0].resolve(t.document());
    await flush();
    expect(t.reads()).toBe(2);
    t.hub.seq = 3;
    t.server.held[0].resolve(t.document());
    await flush();
    expect(t.reads()).toBe(2);
    expect(t.server.held).toHaveLength(0);
  });

  it('an answer older than the one shown is left out', async () => {
    const t = setUp({ visible: false });
    await t.start();
    t.hub.seq = 5;
    t.hub.balance = 60;
    t.emit(5);
    await flush();
    expect(t.model.entries[0].balance).toBe(60);
    // Then an answer from before that change.
    t.hub.seq = 4;
    t.hub.balance = 99;
    t.emit(6);
    await flush();
    expect(t.reads()).toBe(3);
    expect(t.model.entries[0].balance).toBe(60);
  });

  it('JupyterLab losing its server makes the page look again', async () => {
    const t = setUp({ visible: false });
    await t.start();
    t.lost.emit(new Error('lost'));
    await flush();
    expect(t.reads()).toBe(2);
  });
});

describe('claims and leases', () => {
  it('a visible page claims when it starts and every 30 s, never a lease', async () => {
    const t = setUp();
    t.client.setLeadMinutes(10);
    await t.start();
    expect(t.claims()).toBe(1);
    t.clock.advance(CLAIM_EVERY_MS - 1);
    expect(t.claims()).toBe(1);
    t.clock.advance(1);
    expect(t.claims()).toBe(2);
    t.clock.advance(CLAIM_EVERY_MS);
    expect(t.claims()).toBe(3);
    await flush();
    expect(t.leases()).toBe(0);
  });

  it('a hidden page with nothing to guard sends nothing; with work to guard, a lease every 5 min', async () => {
    const t = setUp({ visible: false });
    await t.start();
    t.clock.advance(3 * LEASE_EVERY_MS);
    await flush();
    expect(t.server.log).toEqual([`GET ${STATE}`]);
    t.client.setLeadMinutes(10);
    expect(t.leases()).toBe(1);
    // The lease says how long before the stop this page must know.
    expect(t.lead()).toBe('600');
    t.clock.advance(LEASE_EVERY_MS - 1);
    expect(t.leases()).toBe(1);
    t.clock.advance(1);
    expect(t.leases()).toBe(2);
    // Another lead sends no extra lease; the next one says it.
    t.client.setLeadMinutes(5);
    expect(t.leases()).toBe(2);
    t.clock.advance(LEASE_EVERY_MS);
    expect(t.leases()).toBe(3);
    expect(t.lead()).toBe('300');
    t.client.setLeadMinutes(0);
    t.clock.advance(3 * LEASE_EVERY_MS);
    await flush();
    expect(t.leases()).toBe(3);
    expect(t.claims()).toBe(0);
  });

  it('follows the page: hidden, it stops claiming (and leases if it guards work); visible again, it claims at once', async () => {
    const t = setUp();
    await t.start();
    expect(t.claims()).toBe(1);
    t.page.visible = false;
    t.page.fire('document', 'visibilitychange');
    t.clock.advance(4 * CLAIM_EVERY_MS);
    expect(t.claims()).toBe(1);
    expect(t.leases()).toBe(0);
    t.client.setLeadMinutes(3);
    expect(t.leases()).toBe(1);
    t.page.visible = true;
    t.page.fire('document', 'visibilitychange');
    expect(t.claims()).toBe(2);
    t.clock.advance(CLAIM_EVERY_MS);
    expect(t.claims()).toBe(3);
    t.clock.advance(LEASE_EVERY_MS);
    expect(t.leases()).toBe(1);
    await flush();
  });

  it('a claim answer that says a change the page missed reads the state', async () => {
    const t = setUp();
    await t.start();
    expect(t.reads()).toBe(1);
    // A change whose event never came.
    t.hub.seq = 2;
    t.hub.balance = 50;
    t.clock.advance(CLAIM_EVERY_MS);
    await flush();
    expect(t.reads()).toBe(2);
    expect(t.model.entries[0].balance).toBe(50);
    t.clock.advance(CLAIM_EVERY_MS);
    await flush();
    expect(t.reads()).toBe(2);
    // Another run of the server part.
    t.hub.start = 'run-2';
    t.clock.advance(CLAIM_EVERY_MS);
    await flush();
    expect(t.reads()).toBe(3);
  });

  it('a claim that fails makes the page read, which says what is wrong', async () => {
    const t = setUp();
    await t.start();
    t.routes[`POST ${CLAIM}`] = () => answer(500);
    t.clock.advance(CLAIM_EVERY_MS);
    await flush();
    expect(t.reads()).toBe(2);
    t.routes[`POST ${CLAIM}`] = () => new TypeError('Failed to fetch');
    t.routes[`GET ${STATE}`] = () => new TypeError('Failed to fetch');
    t.clock.advance(CLAIM_EVERY_MS);
    await flush();
    expect(t.reads()).toBe(3);
    expect(t.model.state).toBe('disconnected');
  });
});

describe('when the server part cannot be read', () => {
  it.each([401, 403])(
    'HTTP %i: unauthorized, until the user reconnects',
    async status => {
      const t = setUp();
      t.routes[`GET ${STATE}`] = () => answer(status);
      await t.start();
      expect(t.model.state).toBe('unauthorized');
      expect(t.model.status.reason).toContain(`HTTP ${status}`);
      const asked = t.server.requests.length;
      t.clock.advance(10 * MIN);
      t.emit(99);
      t.page.fire('window', 'online');
      await flush();
      expect(t.server.requests).toHaveLength(asked);
    }
  );

  it('404 and a running server: it has no server part', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => answer(404);
    await t.start();
    expect(t.server.log).toEqual([`GET ${STATE}`, `GET ${STATUS}`]);
    expect(t.server.requests[1].init).toMatchObject({ redirect: 'manual' });
    expect(t.model.state).toBe('noextension');
    t.clock.advance(10 * MIN);
    await flush();
    expect(t.server.requests).toHaveLength(2);
  });

  it.each([
    ['302', answer(302)],
    ['a redirect not followed', answer(0, undefined, 'opaqueredirect')],
    ['404', answer(404)],
    ['502', answer(502)]
  ])('404 and api/status answers %s: the server stopped', async (_, says) => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => answer(404);
    t.routes[`GET ${STATUS}`] = () => says;
    await t.start();
    expect(t.model.state).toBe('stopped');
    expect(t.model.status.reason).toBe('the server is not running');
    t.clock.advance(10 * MIN);
    await flush();
    expect(t.server.requests).toHaveLength(2);
  });

  it('404 and no answer from api/status: out of reach, tried again', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => answer(404);
    t.routes[`GET ${STATUS}`] = () => new TypeError('Failed to fetch');
    await t.start();
    expect(t.model.state).toBe('disconnected');
    expect(t.model.status.reason).toBe('HTTP 404');
    t.clock.advance(RETRY_BASE_MS);
    expect(t.reads()).toBe(2);
  });

  it.each([
    ['302', answer(302)],
    ['a redirect not followed', answer(0, undefined, 'opaqueredirect')],
    ['502', answer(502)],
    ['503', answer(503)]
  ])(
    'GET state answered %s (the hub or its proxy): the server stopped',
    async (_, says) => {
      const t = setUp({ visible: false });
      t.routes[`GET ${STATE}`] = () => says;
      await t.start();
      expect(t.model.state).toBe('stopped');
    }
  );

  it('an answer that is no state document: out of reach, tried again', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => answer(200, '<html>login</html>');
    await t.start();
    expect(t.model.state).toBe('disconnected');
    t.routes[`GET ${STATE}`] = () => answer(200, { state: 'busy' });
    t.clock.advance(RETRY_BASE_MS);
    await flush();
    expect(t.model.state).toBe('disconnected');
    expect(t.model.status.failures).toBe(2);
    t.routes[`GET ${STATE}`] = t.document;
    t.clock.advance(2 * RETRY_BASE_MS);
    await flush();
    expect(t.model.state).toBe('live');
  });

  it('a network error: disconnected, with the next attempt, retried with a backoff, since the first failure', async () => {
    const t = setUp({ visible: false });
    const failed = t.clock.now();
    t.routes[`GET ${STATE}`] = () => new TypeError('Failed to fetch');
    await t.start();
    expect(t.model.status).toEqual(
      connectionStatus('disconnected', failed, {
        ...because('network_error', 'Failed to fetch'),
        failures: 1,
        nextAttemptAt: failed + RETRY_BASE_MS
      })
    );
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const wait = t.model.status.nextAttemptAt! - t.clock.now();
      waits.push(wait);
      const reads = t.reads();
      t.clock.advance(wait - 1);
      expect(t.reads()).toBe(reads);
      t.clock.advance(1);
      expect(t.reads()).toBe(reads + 1);
      await flush();
    }
    expect(waits).toEqual([5000, 10000, 20000, 40000, RETRY_CAP_MS, 60000]);
    expect(t.model.status.since).toBe(failed);
    expect(t.model.status.failures).toBe(7);
    // Back: the server part's state, and no more retries.
    t.routes[`GET ${STATE}`] = t.document;
    t.clock.advance(RETRY_CAP_MS);
    await flush();
    expect(t.model.state).toBe('live');
    expect(t.model.status.failures).toBe(0);
    const reads = t.reads();
    t.clock.advance(10 * MIN);
    expect(t.reads()).toBe(reads);
  });

  it('spreads the retries: from half the wait', async () => {
    const t = setUp({ visible: false });
    const clients2 = new CreditsClient({
      model: t.model,
      baseUrl: BASE,
      fetch: t.server.fetch,
      page: t.page,
      clock: t.clock,
      random: () => 0
    });
    clients.push(clients2);
    t.routes[`GET ${STATE}`] = () => new TypeError('Failed to fetch');
    clients2.start();
    await flush();
    expect(t.model.status.nextAttemptAt! - t.clock.now()).toBe(
      RETRY_BASE_MS / 2
    );
  });

  it('the browser offline: says so and keeps the numbers; back online, reads at once', async () => {
    const t = setUp({ visible: false });
    await t.start();
    t.page.online = false;
    t.page.fire('window', 'offline');
    expect(t.model.state).toBe('offline');
    expect(t.model.status.reason).toBe('the browser is offline');
    expect(t.model.entries[0].balance).toBe(80);
    t.page.online = true;
    t.page.fire('window', 'online');
    expect(t.reads()).toBe(2);
    await flush();
    expect(t.model.state).toBe('live');
  });

  it('starting offline, and failing while offline, says offline', async () => {
    const t = setUp({ visible: false, online: false });
    t.routes[`GET ${STATE}`] = () => new TypeError('Failed to fetch');
    await t.start();
    expect(t.model.state).toBe('offline');
    expect(t.model.status.nextAttemptAt).not.toBeNull();
  });

  it('a page that becomes visible after failures reads at once, not after the backoff', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => new TypeError('Failed to fetch');
    await t.start();
    t.routes[`GET ${STATE}`] = t.document;
    t.page.visible = true;
    t.page.fire('document', 'visibilitychange');
    expect(t.reads()).toBe(2);
    await flush();
    expect(t.model.state).toBe('live');
  });
});

describe('reconnect', () => {
  it('asks the server part to reconnect, then reads', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => answer(403);
    await t.start();
    expect(t.model.state).toBe('unauthorized');
    t.routes[`GET ${STATE}`] = t.document;
    t.client.reconnect();
    await flush();
    expect(t.server.log.slice(-2)).toEqual([
      `POST ${RECONNECT}`,
      `GET ${STATE}`
    ]);
    expect(t.model.state).toBe('live');
  });

  it('reads even when the reconnect request fails', async () => {
    const t = setUp({ visible: false });
    await t.start();
    t.routes[`POST ${RECONNECT}`] = () => new TypeError('Failed to fetch');
    t.client.reconnect();
    await flush();
    expect(t.server.log.slice(-2)).toEqual([
      `POST ${RECONNECT}`,
      `GET ${STATE}`
    ]);
  });

  // `_end` clears the claim timer: a Reconnect schedules it again.
  it('claims once at load, and again only on a pageshow from the back/forward cache', async () => {
    const t = setUp();
    await t.start();
    expect(t.claims()).toBe(1);
    t.page.fire('window', 'pageshow', false);
    await flush();
    expect(t.claims()).toBe(1);
    t.page.fire('window', 'pageshow', true);
    await flush();
    expect(t.claims()).toBe(2);
  });

  it('a visible page claims again every 30 s after a Reconnect from a terminal state', async () => {
    const t = setUp();
    t.routes[`GET ${STATE}`] = () => answer(401);
    await t.start();
    t.routes[`GET ${STATE}`] = t.document;
    t.client.reconnect();
    await flush();
    expect(t.model.state).toBe('live');
    const claims = t.claims();
    t.clock.advance(CLAIM_EVERY_MS);
    expect(t.claims()).toBe(claims + 1);
  });
});

describe('dispose', () => {
  it('stops every timer, listener and signal', async () => {
    const t = setUp();
    t.client.setLeadMinutes(10);
    await t.start();
    expect(t.page.listening).toBeGreaterThan(0);
    t.client.dispose();
    expect(t.page.listening).toBe(0);
    expect(t.clock.pending).toBe(0);
    const asked = t.server.requests.length;
    t.emit(99);
    t.lost.emit(new Error('lost'));
    t.client.reconnect();
    t.clock.advance(10 * MIN);
    await flush();
    expect(t.server.requests).toHaveLength(asked);
  });

  // Fails today: src/client/client.ts `_readOnce` does not look at
  // `_disposed` after its awaits, so a read in flight when the client is
  // disposed (the user turned the extension off) still writes the model:
  // the item shows live numbers under "turned off". Turn into `it` once
  // fixed.
  it('a read in flight when disposed leaves the model alone', async () => {
    const t = setUp({ visible: false });
    t.routes[`GET ${STATE}`] = () => undefined;
    t.client.start();
    t.client.dispose();
    const off = connectionStatus('disabled', t.clock.now());
    t.model.setStatus(off);
    t.server.held[0].resolve(t.document());
    await flush();
    expect(t.model.status).toBe(off);
  });
});
