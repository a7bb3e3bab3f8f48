/**
 * The stream through the relay in the single-user server, and the move from
 * a cross-origin hub that answers no CORS to the relay.
 */
import type { IEndpoint } from '../../connection/attempt';
import type { CreditsEvent } from '../../model/payload';
import type { IConnectionStatus } from '../../model/state';
import { CreditsStream } from '../../connection/stream';
import { Body, SSE, scriptedFetch } from '../helpers/sse';
import type { Answer } from '../helpers/sse';

const HUB: IEndpoint = {
  url: 'https://hub.example.org/hub/api/credits/sseserver/alice',
  label: 'per-server stream, cookie',
  crossOrigin: true
};
const RELAY: IEndpoint = {
  url: '/user/alice/hub-credits/stream',
  label: 'relay',
  via: 'relay'
};

function open(endpoints: IEndpoint[], hub: Answer[], relay: Answer[]) {
  const direct = scriptedFetch(hub);
  const viaServer = scriptedFetch(relay);
  const events: CreditsEvent[] = [];
  const states: IConnectionStatus[] = [];
  const stream = new CreditsStream({
    endpoints,
    fetch: direct.fetch,
    relayFetch: viaServer.fetch,
    onEvent: event => events.push(event),
    onStatus: status => states.push(status),
    random: () => 0.5
  });
  stream.start();
  return { stream, events, states, hub: direct, relay: viaServer };
}

const tick = (ms = 0) => jest.advanceTimersByTimeAsync(ms);
const relayState = (state: string, reason = '') =>
  `event: relay\ndata: ${JSON.stringify({ state, reason })}\n\n`;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('a hub on another origin', () => {
  it('a CORS failure (TypeError before any status) moves on to the relay at once', async () => {
    const body = new Body();
    const { stream, hub, relay } = open(
      [HUB, RELAY],
      [{ networkError: 'Failed to fetch' }],
      [{ status: 200, headers: SSE, body }]
    );
    await tick();
    expect(hub.requests).toHaveLength(1);
    expect(relay.requests).toHaveLength(1);
    expect(relay.requests[0].url).toBe(RELAY.url);
    expect(stream.endpoint).toBe(RELAY);
    expect(stream.status.state).toBe('live');
    stream.dispose();
  });

  it('without another way, says the credits cannot be read here (not offline)', async () => {
    const { stream, hub } = open(
      [HUB],
      [{ networkError: 'Failed to fetch' }],
      []
    );
    await tick(120000);
    expect(hub.requests).toHaveLength(1);
    expect(stream.status.state).toBe('unreachable');
    expect(stream.status.reason).toMatch(
      /cannot be read from this page's origin/
    );
    stream.dispose();
  });
});

describe('the relay', () => {
  it('delivers the hub events and its own state', async () => {
    const body = new Body();
    const { stream, events, relay } = open(
      [RELAY],
      [],
      [{ status: 200, headers: SSE, body }]
    );
    await tick();
    body.send(relayState('live'));
    body.send('data: {"balance":95,"cap":100}\n\n');
    await tick();
    expect(events.map(e => e.kind)).toEqual(['snapshot']);
    expect(stream.status.state).toBe('live');
    // The relay's request carries no hub token of this page: the relay
    // fetch adds the server's own auth.
    expect(JSON.stringify(relay.requests[0].init.headers)).not.toContain(
      'Authorization'
    );
    stream.dispose();
  });

  it('the server reconnecting to the hub shows as reconnecting, without dropping this connection', async () => {
    const body = new Body();
    const { stream, relay } = open(
      [RELAY],
      [],
      [{ status: 200, headers: SSE, body }]
    );
    await tick();
    body.send(relayState('live'));
    body.send('data: {"balance":95,"cap":100}\n\n');
    body.send(relayState('reconnecting', 'the hub answered HTTP 502'));
    await tick();
    expect(stream.status.state).toBe('reconnecting');
    expect(stream.status.reason).toMatch(
      /server is reconnecting to the hub: the hub answered HTTP 502/
    );
    body.send(relayState('live'));
    await tick();
    expect(stream.status.state).toBe('live');
    expect(relay.requests).toHaveLength(1);
    stream.dispose();
  });

  it('the hub refusing the server token (credit service 0.3 without read:servers) is a clear, terminal state', async () => {
    const body = new Body();
    const { stream, relay } = open(
      [RELAY],
      [],
      [{ status: 200, headers: SSE, body }]
    );
    await tick();
    body.send(
      relayState('refused', "the hub refused this server's token (HTTP 403)")
    );
    await tick(120000);
    expect(stream.status.state).toBe('unreachable');
    expect(stream.status.reason).toMatch(/server_token_scopes/);
    expect(relay.requests).toHaveLength(1);
  });

  it('the stop is relayed: stopped, no reconnect', async () => {
    const body = new Body();
    const { stream, events, relay } = open(
      [RELAY],
      [],
      [{ status: 200, headers: SSE, body }]
    );
    await tick();
    body.send('data: {"balance":1,"cap":100}\n\n');
    body.send('data: {"error":"Your Server is no longer running."}\n\n');
    body.send(relayState('stopped', 'Your Server is no longer running.'));
    await tick(120000);
    expect(events.map(e => e.kind)).toEqual(['snapshot', 'stopped']);
    expect(stream.status.state).toBe('stopped');
    expect(relay.requests).toHaveLength(1);
  });

  it('no relay in the server (404): says so, and does not hide or retry', async () => {
    const { stream, relay } = open([RELAY], [], [{ status: 404 }]);
    await tick(120000);
    expect(stream.status.state).toBe('unreachable');
    expect(stream.status.reason).toMatch(/no credits relay/);
    expect(relay.requests).toHaveLength(1);
  });

  it('ignores a relay state it does not know', async () => {
    const body = new Body();
    const { stream, events } = open(
      [RELAY],
      [],
      [{ status: 200, headers: SSE, body }]
    );
    await tick();
    body.send(relayState('exploded'));
    body.send('event: relay\ndata: null\n\n');
    await tick();
    expect(events.map(e => e.kind)).toEqual(['invalid', 'invalid']);
    expect(stream.status.state).toBe('live');
    stream.dispose();
  });
});

describe('the server stopped under the relay', () => {
  it('its URL leading to the hub after events means stopped at once (no re-checks)', async () => {
    const body = new Body();
    const { stream, relay, states } = open(
      [RELAY],
      [],
      [
        { status: 200, headers: SSE, body },
        // With subdomains the stopped server's URL leads to the hub.
        { status: 0, type: 'opaqueredirect' }
      ]
    );
    await tick();
    body.send(relayState('live'));
    body.send('data: {"balance":95,"cap":100}\n\n');
    await tick();
    body.fail();
    await tick(6000);
    expect(relay.requests).toHaveLength(2);
    expect(stream.status.state).toBe('stopped');
    expect(states.at(-1)?.reason).toContain('leads to the hub');
    stream.dispose();
  });
});
