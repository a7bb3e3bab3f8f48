/**
 * The stop, through this server's part only: what its answers mean, and a
 * server that goes before it answers.
 */
import '../helpers/jsdom';
import { Notification, showDialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { takeOwnStop } from '../../client/ownstop';
import { requestStop, stopServer } from '../../client/stop';
import type { IStopOptions } from '../../client/stop';
import { FakeServer, answer } from '../helpers/server';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showDialog: jest.fn()
}));

const BASE = '/user/alice/';
const STOP = `${BASE}hub-credits/stop`;
const STATUS = `${BASE}api/status`;

type Route = () => Response | Error | undefined;

/**
 * A server whose stop and api/status answer as the test says (api/status:
 * running unless told otherwise); no real waiting.
 */
function setUp(stop: Route, status: Route = () => answer(200)) {
  const server = new FakeServer();
  server.respond = (path, method) =>
    path === STOP && method === 'POST'
      ? stop()
      : path === STATUS && method === 'GET'
        ? status()
        : answer(599);
  const slept: number[] = [];
  const options: IStopOptions = {
    fetch: server.fetch,
    baseUrl: BASE,
    answerMs: 20,
    goneWithinMs: 6000,
    checkEveryMs: 2000,
    sleep: async ms => {
      slept.push(ms);
    }
  };
  return { server, options, slept };
}

describe('requestStop', () => {
  it('202: the hub stops the server (with its status when the server part says it)', async () => {
    const t = setUp(() => answer(202, { status: 204 }));
    expect(await requestStop(t.options)).toEqual({ ok: true, status: 204 });
    expect(t.server.log).toEqual([`POST ${STOP}`]);
    expect(t.server.requests[0].init.signal).toBeInstanceOf(AbortSignal);
    const bare = setUp(() => answer(202));
    expect(await requestStop(bare.options)).toEqual({ ok: true, status: 202 });
  });

  it("403: refused (only the owner may), with the server part's words, and no probe", async () => {
    const t = setUp(() =>
      answer(403, { message: 'only the owner can stop this server' })
    );
    expect(await requestStop(t.options)).toEqual({
      ok: false,
      kind: 'refused',
      detail: 'HTTP 403: only the owner can stop this server'
    });
    expect(t.server.log).toEqual([`POST ${STOP}`]);
  });

  it("502: failed, with what the hub answered as the server part's message says", async () => {
    const t = setUp(() =>
      answer(502, { message: 'the hub answered HTTP 500' })
    );
    expect(await requestStop(t.options)).toEqual({
      ok: false,
      kind: 'failed',
      detail: 'the hub answered HTTP 500'
    });
    expect(t.server.log).toEqual([`POST ${STOP}`]);
    const bare = setUp(() => answer(502, 'Bad Gateway'));
    expect(await requestStop(bare.options)).toEqual({
      ok: false,
      kind: 'failed',
      detail: 'HTTP 502'
    });
  });

  it('bounds the words it passes on', async () => {
    const t = setUp(() => answer(403, { message: 'x'.repeat(5000) }));
    const result = await requestStop(t.options);
    expect(!result.ok && result.detail).toBe(`HTTP 403: ${'x'.repeat(300)}`);
  });

  it.each([
    ['302', answer(302)],
    ['404', answer(404)],
    ['502', answer(502)],
    ['a redirect not followed', answer(0, undefined, 'opaqueredirect')]
  ])(
    'another answer, and api/status then says %s: the server is gone, the stop went through',
    async (_, gone) => {
      const t = setUp(
        () => answer(504, 'Gateway Timeout'),
        () => gone
      );
      expect(await requestStop(t.options)).toEqual({ ok: true, status: 0 });
      expect(t.server.log).toEqual([`POST ${STOP}`, `GET ${STATUS}`]);
    }
  );

  it('another answer while the server still runs: failed, with that answer', async () => {
    const t = setUp(() => answer(500, { message: 'boom' }));
    expect(await requestStop(t.options)).toEqual({
      ok: false,
      kind: 'failed',
      detail: 'HTTP 500: boom'
    });
  });

  it('no answer: watches the server go, and a gone server is the answer', async () => {
    let checks = 0;
    const t = setUp(
      () => undefined,
      () => (++checks < 3 ? answer(200) : answer(302))
    );
    expect(await requestStop(t.options)).toEqual({ ok: true, status: 0 });
    expect(t.server.log).toEqual([
      `POST ${STOP}`,
      `GET ${STATUS}`,
      `GET ${STATUS}`,
      `GET ${STATUS}`
    ]);
    expect(t.slept).toEqual([2000, 2000]);
  });

  it('no answer and a server that stays: failed after the watch, "no answer"', async () => {
    const t = setUp(() => undefined);
    expect(await requestStop(t.options)).toEqual({
      ok: false,
      kind: 'failed',
      detail: 'no answer'
    });
    // 6 s watched, every 2 s.
    expect(t.server.count(STATUS)).toBe(3);
  });

  it('a network error: watched the same way, and said when the server stays', async () => {
    const t = setUp(() => new TypeError('Failed to fetch'));
    expect(await requestStop(t.options)).toEqual({
      ok: false,
      kind: 'failed',
      detail: 'Failed to fetch'
    });
    const gone = setUp(
      () => new TypeError('Failed to fetch'),
      () => answer(502)
    );
    expect(await requestStop(gone.options)).toEqual({ ok: true, status: 0 });
  });
});

describe('stopServer', () => {
  const trans = nullTranslator.load('test');
  const confirm = (accept: boolean) =>
    (showDialog as jest.Mock).mockResolvedValueOnce({
      button: { accept },
      value: null,
      isChecked: null
    });
  const notices = () =>
    Notification.manager.notifications.map(n => `${n.type}: ${n.message}`);

  beforeEach(() => {
    Notification.dismiss();
    takeOwnStop();
  });

  afterEach(() => Notification.dismiss());

  it('asks nothing when the user cancels', async () => {
    const t = setUp(() => answer(202));
    confirm(false);
    await stopServer(t.options, trans, () => undefined);
    expect(t.server.requests).toHaveLength(0);
    expect(notices()).toEqual([]);
  });

  it("confirmed and done: says the hub is stopping it, and the stop is this page's", async () => {
    const t = setUp(() => answer(202));
    confirm(true);
    await stopServer(t.options, trans, () => undefined);
    expect(notices()).toEqual(['info: The hub is stopping your server.']);
    expect(takeOwnStop()).toBe(true);
  });

  it("refused: says why and offers the hub home; the stop is not counted as this page's", async () => {
    const t = setUp(() => answer(403, { message: 'not the owner' }));
    let opened = 0;
    confirm(true);
    await stopServer(t.options, trans, () => opened++);
    const [notice] = Notification.manager.notifications;
    expect(notice.type).toBe('error');
    expect(notice.message).toContain('only its owner can stop it');
    expect(notice.message).toContain('HTTP 403: not the owner');
    const actions = notice.options.actions ?? [];
    expect(actions.map(a => a.label)).toEqual(['Open hub home']);
    actions[0].callback(new MouseEvent('click'));
    expect(opened).toBe(1);
    expect(takeOwnStop()).toBe(false);
  });
});
