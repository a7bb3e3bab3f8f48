import { PageLifecycle } from '../../connection/lifecycle';
import { CreditsReader } from '../../connection/reading';
import { CreditsStream } from '../../connection/stream';
import { Body, SSE, scriptedFetch } from '../helpers/sse';
import type { Answer } from '../helpers/sse';

const tick = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

class FakeDocument extends EventTarget {
  visibilityState = 'visible';
}

function page(answers: Answer[], online = true) {
  const { fetch, requests } = scriptedFetch(answers);
  const stream = new CreditsStream({
    endpoints: [{ url: '/s' }],
    fetch,
    onEvent: () => undefined,
    onStatus: () => undefined,
    random: () => 0.5,
    timings: { backoffBaseMs: 1000 }
  });
  const win = new EventTarget();
  const doc = new FakeDocument();
  const lifecycle = new PageLifecycle({
    stream,
    window: win,
    document: doc,
    online,
    random: () => 0.5,
    onlineJitterMs: 1000
  });
  return { stream, win, doc, lifecycle, requests };
}

function transition(type: string, persisted: boolean): Event {
  const event = new Event(type);
  Object.defineProperty(event, 'persisted', { value: persisted });
  return event;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('PageLifecycle', () => {
  it('offline pauses the stream; online reconnects after a short jitter', async () => {
    const first = new Body();
    const second = new Body();
    const { stream, win, requests, lifecycle } = page([
      { status: 200, headers: SSE, body: first },
      { status: 200, headers: SSE, body: second }
    ]);
    stream.start();
    await tick();
    win.dispatchEvent(new Event('offline'));
    expect(stream.status.state).toBe('offline');
    expect(stream.isActive).toBe(false);
    await tick(120000);
    expect(requests).toHaveLength(1);
    win.dispatchEvent(new Event('online'));
    await tick(499);
    expect(requests).toHaveLength(1);
    await tick(1);
    expect(requests).toHaveLength(2);
    expect(stream.status.state).toBe('live');
    lifecycle.dispose();
    stream.dispose();
  });

  it('starts paused when the browser is offline: no request until online', async () => {
    const body = new Body();
    const { stream, win, requests, lifecycle } = page(
      [{ status: 200, headers: SSE, body }],
      false
    );
    stream.start();
    await tick(120000);
    // The offline state at construction time came first: nothing was sent.
    expect(requests).toHaveLength(0);
    expect(stream.status.state).toBe('offline');
    win.dispatchEvent(new Event('online'));
    await tick(500);
    expect(requests).toHaveLength(1);
    expect(stream.status.state).toBe('live');
    lifecycle.dispose();
    stream.dispose();
  });

  it('pagehide into the back/forward cache closes; pageshow reopens', async () => {
    const first = new Body();
    const second = new Body();
    const { stream, win, requests, lifecycle } = page([
      { status: 200, headers: SSE, body: first },
      { status: 200, headers: SSE, body: second }
    ]);
    stream.start();
    await tick();
    win.dispatchEvent(transition('pagehide', true));
    expect(requests[0].init.signal?.aborted).toBe(true);
    win.dispatchEvent(transition('pageshow', true));
    await tick();
    expect(requests).toHaveLength(2);
    expect(stream.status.state).toBe('live');
    lifecycle.dispose();
    stream.dispose();
  });

  it('a tab that becomes visible while reconnecting reconnects at once', async () => {
    const body = new Body();
    const { stream, doc, requests, lifecycle } = page([
      { status: 503 },
      { status: 503 },
      { status: 200, headers: SSE, body }
    ]);
    stream.start();
    await tick(500); // first retry after 0.5 s
    expect(requests).toHaveLength(2);
    expect(stream.status.state).toBe('reconnecting');
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(requests).toHaveLength(2);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await tick();
    expect(requests).toHaveLength(3);
    expect(stream.status.state).toBe('live');
    lifecycle.dispose();
    stream.dispose();
  });

  it('dispose() removes every listener', async () => {
    const { stream, win, lifecycle, requests } = page([
      { status: 200, headers: SSE, body: new Body() }
    ]);
    stream.start();
    await tick();
    lifecycle.dispose();
    win.dispatchEvent(new Event('offline'));
    expect(stream.status.state).toBe('live');
    expect(requests).toHaveLength(1);
    stream.dispose();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('PageLifecycle with the leader reader', () => {
  it('a reader that starts offline sends nothing until online, then reads', async () => {
    const body = new Body();
    const { fetch, requests } = scriptedFetch([
      { status: 200, headers: SSE, body }
    ]);
    const reader = new CreditsReader({
      endpoints: [{ url: '/s' }],
      list: null,
      mode: 'auto',
      stream: { fetch },
      onEvent: () => undefined,
      onStatus: () => undefined,
      random: () => 0.5
    });
    const win = new EventTarget();
    const lifecycle = new PageLifecycle({
      stream: reader,
      window: win,
      document: new FakeDocument(),
      online: false,
      random: () => 0.5,
      onlineJitterMs: 1000
    });
    reader.start();
    await tick(120000);
    expect(requests).toHaveLength(0);
    expect(reader.status.state).toBe('offline');
    win.dispatchEvent(new Event('online'));
    await tick(500);
    expect(requests).toHaveLength(1);
    expect(reader.status.state).toBe('live');
    lifecycle.dispose();
    reader.dispose();
  });
});
