import type { CreditsEvent } from '../../model/payload';
import { CreditsStream } from '../../connection/stream';
import type { IConnectionStatus } from '../../model/state';
import { Body, SSE, scriptedFetch } from '../helpers/sse';
import type { Answer } from '../helpers/sse';

const URL = '/hub/api/credits/sseserver/alice';

function open(answers: Answer[], random = () => 0.5) {
  const { fetch, requests } = scriptedFetch(answers);
  const events: CreditsEvent[] = [];
  const states: IConnectionStatus[] = [];
  const stream = new CreditsStream({
    endpoints: [{ url: URL }],
    fetch,
    onEvent: event => events.push(event),
    onStatus: status => states.push(status),
    random,
    // The figures below assume a 1-s first retry window.
    timings: { backoffBaseMs: 1000 }
  });
  stream.start();
  return { stream, events, states, requests };
}

const tick = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

function balances(events: CreditsEvent[]) {
  return events.map(event =>
    event.kind === 'snapshot' ? event.entries.map(e => e.balance) : event.kind
  );
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('CreditsStream', () => {
  it('sends the cookie, never follows redirects and asks for an event stream', async () => {
    const body = new Body();
    const { requests, stream } = open([{ status: 200, headers: SSE, body }]);
    await tick();
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe(URL);
    expect(requests[0].init).toMatchObject({
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { Accept: 'text/event-stream' }
    });
    stream.dispose();
  });

  it('goes live and delivers each snapshot', async () => {
    const body = new Body();
    const { events, stream } = open([{ status: 200, headers: SSE, body }]);
    await tick();
    expect(stream.status.state).toBe('live');
    body.send('\n\n');
    body.send('data: {"balance": 95, "cap": 100}\n\n');
    body.send('data: {"balance": 94, "cap": 100}\n\n');
    await tick();
    expect(balances(events)).toEqual([[95], [94]]);
    stream.dispose();
  });

  it('reassembles events split mid-line and mid-UTF-8 character', async () => {
    const body = new Body();
    const { events, stream } = open([{ status: 200, headers: SSE, body }]);
    await tick();
    const bytes = new TextEncoder().encode(
      'data: {"balance": 5, "cap": 9, "project": {"name": "Zürich €", "balance": 1, "cap": 2}}\n\n'
    );
    // Cut inside the two-byte "ü" and the three-byte "€", and inside "data:".
    const umlaut = bytes.indexOf(0xc3) + 1;
    const euro = bytes.indexOf(0xe2) + 2;
    for (const [from, to] of [
      [0, 3],
      [3, umlaut],
      [umlaut, euro],
      [euro, bytes.length - 1],
      [bytes.length - 1, bytes.length]
    ]) {
      body.send(bytes.slice(from, to));
      await tick();
    }
    expect(events).toHaveLength(1);
    const event = events[0];
    expect(event.kind === 'snapshot' && event.entries[0].project?.name).toBe(
      'Zürich €'
    );
    stream.dispose();
  });

  it('reports a malformed event and keeps reading', async () => {
    const body = new Body();
    const { events, stream } = open([{ status: 200, headers: SSE, body }]);
    await tick();
    body.send('data: {"balance": oops}\n\ndata: {"balance": 7, "cap": 9}\n\n');
    await tick();
    expect(events.map(e => e.kind)).toEqual(['invalid', 'snapshot']);
    expect(stream.status.state).toBe('live');
    stream.dispose();
  });

  it('stops for good on the error event and makes no further request', async () => {
    const body = new Body();
    const { events, requests, stream } = open([
      { status: 200, headers: SSE, body }
    ]);
    await tick();
    body.send('data: {"balance": 1, "cap": 9}\n\n');
    body.send(
      'data: {"error": "Your Server is no longer running.\\nRestart of Jupyter Server required."}\n\n'
    );
    body.end();
    await tick(120000);
    expect(stream.status.state).toBe('stopped');
    expect(stream.status.reason).toContain('no longer running');
    expect(events.map(e => e.kind)).toEqual(['snapshot', 'stopped']);
    expect(requests).toHaveLength(1);
  });

  it.each([
    [404, 'unavailable'],
    [409, 'stopped'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [302, 'unauthorized'],
    [400, 'unavailable']
  ])('ends in a terminal state on HTTP %i (%s)', async (status, state) => {
    const { requests, stream } = open([{ status }]);
    await tick(120000);
    expect(stream.status.state).toBe(state);
    expect(requests).toHaveLength(1);
  });

  it('treats a manual-mode redirect as a login request', async () => {
    const { stream } = open([{ status: 0, type: 'opaqueredirect' } as Answer]);
    await tick();
    expect(stream.status.state).toBe('unauthorized');
  });

  it('treats an HTML page delivered with 200 as a login page', async () => {
    const { stream } = open([
      { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8' } }
    ]);
    await tick();
    expect(stream.status.state).toBe('unauthorized');
  });

  it('reads a 404 after live events as "server gone", after checking again', async () => {
    const body = new Body();
    const { stream, requests } = open([
      { status: 200, headers: SSE, body },
      { status: 404 },
      { status: 404 },
      { status: 404 },
      { status: 404 }
    ]);
    await tick();
    body.send('data: {"balance": 1, "cap": 9}\n\n');
    body.fail();
    await tick(2000);
    // Lost without the stop event: a restarting hub answers 404/409 for a
    // while, so it is asked three more times.
    expect(stream.status.state).toBe('reconnecting');
    await tick(60000);
    expect(stream.status.state).toBe('stopped');
    expect(requests).toHaveLength(5);
  });

  it('retries after a network drop and recovers with the new balance', async () => {
    const first = new Body();
    const second = new Body();
    const { events, requests, states, stream } = open([
      { status: 200, headers: SSE, body: first },
      { networkError: 'Failed to fetch' },
      { status: 200, headers: SSE, body: second }
    ]);
    await tick();
    first.send('data: {"balance": 50, "cap": 100}\n\n');
    await tick();
    first.fail('network changed');
    await tick();
    expect(stream.status.state).toBe('reconnecting');
    expect(stream.status.reason).toContain('network changed');
    // random() = 0.5: the first retry waits 0.5 s, the second 1 s.
    await tick(499);
    expect(requests).toHaveLength(1);
    await tick(1);
    expect(requests).toHaveLength(2);
    await tick(999);
    expect(requests).toHaveLength(2);
    await tick(1);
    expect(requests).toHaveLength(3);
    second.send('data: {"balance": 42, "cap": 100}\n\n');
    await tick();
    expect(stream.status.state).toBe('live');
    expect(balances(events)).toEqual([[50], [42]]);
    const changes = states
      .map(s => s.state)
      .filter((state, i, all) => i === 0 || all[i - 1] !== state);
    expect(changes).toEqual(['live', 'reconnecting', 'live']);
    stream.dispose();
  });

  it('reconnects when the hub ends the stream', async () => {
    const first = new Body();
    const second = new Body();
    const { requests, stream } = open([
      { status: 200, headers: SSE, body: first },
      { status: 200, headers: SSE, body: second }
    ]);
    await tick();
    first.end();
    await tick(1000);
    expect(requests).toHaveLength(2);
    expect(stream.status.state).toBe('live');
    stream.dispose();
  });

  it('dispose() aborts the request and nothing fires afterwards', async () => {
    const body = new Body();
    const { events, requests, states, stream } = open([
      { status: 200, headers: SSE, body }
    ]);
    await tick();
    stream.dispose();
    const before = states.length;
    await tick(120000);
    expect(requests[0].init.signal?.aborted).toBe(true);
    expect(body.cancelled).toBe(true);
    expect(states).toHaveLength(before);
    expect(events).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
