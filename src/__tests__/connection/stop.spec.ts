/**
 * The stop (issue 21.1): through this server's relay wherever it is there,
 * the hub directly only where that works (the hub on the page's origin,
 * trusted, a token in the header); the confirmation and the notices.
 * Requests are faked at the edge (the two fetch functions).
 */
import { Notification, showDialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import {
  canStopDirectly,
  requestStop,
  stopServer
} from '../../connection/stop';
import type { IStopTransport } from '../../connection/stop';
import type { IHubLocation } from '../../connection/hub';
import { HUB as hub } from '../helpers/fixtures';

jest.mock('@jupyterlab/apputils', () => ({
  Dialog: {
    cancelButton: (options: object) => ({ ...options, accept: false }),
    warnButton: (options: object) => ({ ...options, accept: true })
  },
  showDialog: jest.fn(),
  Notification: { emit: jest.fn(() => 'notice-1'), update: jest.fn() }
}));

const ORIGIN = 'https://hub.example.org';
const TOKEN = 'tok';

interface ISeen {
  to: 'server' | 'hub';
  url: string;
  init: RequestInit;
}

/**
 * A transport whose server answers `relay` (or throws it) to the stop and
 * `check` to `GET api/status`, and whose hub answers `direct`; every
 * request is recorded.
 */
function fake(
  relay: Response | Error,
  direct: Response | Error = new Response(null, { status: 204 }),
  check: Response | Error = new Response('{}', { status: 200 })
): IStopTransport & { seen: ISeen[] } {
  const seen: ISeen[] = [];
  const answer = async (value: Response | Error) => {
    if (value instanceof Error) {
      throw value;
    }
    return value;
  };
  return {
    seen,
    server: (url, init) => {
      seen.push({ to: 'server', url, init });
      return answer(url.endsWith('/api/status') ? check : relay);
    },
    hub: (url, init) => {
      seen.push({ to: 'hub', url, init });
      return answer(direct);
    }
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

const noRelay = () => new Response('<html>404</html>', { status: 404 });

describe('the stop through the relay', () => {
  it('POSTs to {baseUrl}hub-credits/stop on this server, and the hub is not asked', async () => {
    const transport = fake(json(202, { status: 204 }));
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result).toEqual({ ok: true, via: 'relay', status: 204 });
    expect(transport.seen).toHaveLength(1);
    const [{ to, url, init }] = transport.seen;
    expect(to).toBe('server');
    expect(url).toBe('/user/alice/hub-credits/stop');
    expect(init.method).toBe('POST');
    // JupyterLab's request adds its own auth; none of the hub's goes there.
    expect(JSON.stringify(init)).not.toContain(TOKEN);
  });

  it('is the way on a hub on another origin (subdomain_host)', async () => {
    const remote: IHubLocation = { ...hub, host: ORIGIN };
    const transport = fake(json(202, { status: 202 }));
    const result = await requestStop(
      remote,
      'auto',
      TOKEN,
      'https://alice.hub.example.org',
      transport
    );
    expect(result).toEqual({ ok: true, via: 'relay', status: 202 });
    expect(transport.seen.map(s => s.to)).toEqual(['server']);
  });

  it('a refusal (not the owner) is final: no try at the hub', async () => {
    const transport = fake(json(403, { message: 'Only the owner' }));
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result).toMatchObject({
      ok: false,
      kind: 'refused',
      detail: 'HTTP 403: Only the owner'
    });
    expect(transport.seen.map(s => s.to)).toEqual(['server']);
  });

  it("the hub's refusal, as the relay tells it (502), with its message bounded", async () => {
    const long = 'x'.repeat(5000);
    const transport = fake(json(502, { message: `hub said no ${long}` }));
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe('failed');
      expect(result.detail.startsWith('hub said no x')).toBe(true);
      expect(result.detail.length).toBeLessThan(400);
    }
    expect(transport.seen.map(s => s.to)).toEqual(['server']);
  });

  it('this server not answering is a failure, not a reason to go round it', async () => {
    const lost = new TypeError('Failed to fetch');
    const transport = fake(lost, undefined, lost);
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result).toMatchObject({
      ok: false,
      via: 'relay',
      detail: 'Failed to fetch'
    });
    expect(transport.seen.map(s => s.to)).toEqual(['server', 'server']);
  });

  it.each([
    ['503 from the proxy', new Response(null, { status: 503 })],
    ['a lost connection', new TypeError('Failed to fetch')]
  ])(
    'the stop took the server down before its answer came (%s): a stop, once the server is seen gone',
    async (_name, answer) => {
      for (const gone of [
        new Response(null, { status: 424 }),
        new Response(null, { status: 503 }),
        { status: 0, type: 'opaqueredirect', body: null } as Response
      ]) {
        const transport = fake(answer, undefined, gone);
        const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
        expect(result).toEqual({ ok: true, via: 'relay', status: 0 });
        const [, check] = transport.seen;
        expect(check.url).toBe('/user/alice/api/status');
        expect(check.init).toMatchObject({ method: 'GET', redirect: 'manual' });
      }
    }
  );

  it('a server that answers its status check otherwise is not gone: the failure stands', async () => {
    for (const status of [401, 403, 500]) {
      const transport = fake(
        new Response(null, { status: 503 }),
        undefined,
        new Response(null, { status })
      );
      const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
      expect(result).toMatchObject({ ok: false, detail: 'HTTP 503' });
    }
  });

  it('no answer while the server shuts down: a stop, once the server is seen gone', async () => {
    const checks: Response[] = [
      new Response('{}', { status: 200 }),
      new Response('{}', { status: 200 }),
      new Response(null, { status: 424 })
    ];
    const seen: string[] = [];
    let aborted = false;
    const transport: IStopTransport = {
      server: (url, init) => {
        seen.push(url);
        if (url.endsWith('/api/status')) {
          return Promise.resolve(checks.shift()!);
        }
        init?.signal?.addEventListener('abort', () => (aborted = true));
        return new Promise<Response>(() => undefined);
      },
      hub: () => Promise.reject(new Error('not asked')),
      answerMs: 20,
      goneWithinMs: 1000,
      checkEveryMs: 10
    };
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result).toEqual({ ok: true, via: 'relay', status: 0 });
    expect(aborted).toBe(true);
    expect(seen).toEqual([
      '/user/alice/hub-credits/stop',
      '/user/alice/api/status',
      '/user/alice/api/status',
      '/user/alice/api/status'
    ]);
  });

  it('no answer and a server that runs on: a failure after the watch, no endless wait', async () => {
    const transport: IStopTransport = {
      server: url =>
        url.endsWith('/api/status')
          ? Promise.resolve(new Response('{}', { status: 200 }))
          : new Promise<Response>(() => undefined),
      hub: () => Promise.reject(new Error('not asked')),
      answerMs: 20,
      goneWithinMs: 60,
      checkEveryMs: 10
    };
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result).toEqual({
      ok: false,
      via: 'relay',
      kind: 'failed',
      detail: 'no answer'
    });
  });

  it('an odd answer while the server still runs is a failure', async () => {
    const transport = fake(new Response(null, { status: 503 }));
    const result = await requestStop(hub, 'auto', TOKEN, ORIGIN, transport);
    expect(result).toMatchObject({ ok: false, detail: 'HTTP 503' });
    expect(transport.seen.map(s => s.to)).toEqual(['server', 'server']);
  });
});

describe('no relay (404): the hub directly where that works', () => {
  it('same origin and a token: DELETE with the token in the header, same-origin credentials', async () => {
    const transport = fake(noRelay(), new Response(null, { status: 202 }));
    const result = await requestStop(
      { ...hub, serverName: 'gpu 1' },
      'auto',
      TOKEN,
      ORIGIN,
      transport
    );
    expect(result).toEqual({ ok: true, via: 'hub', status: 202 });
    expect(transport.seen.map(s => s.to)).toEqual(['server', 'hub']);
    const { url, init } = transport.seen[1];
    expect(url).toBe('/hub/api/credits/stopserver/alice/gpu%201');
    expect(init).toMatchObject({
      method: 'DELETE',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { Authorization: `token ${TOKEN}` }
    });
    expect(url).not.toContain(TOKEN);
  });

  it('auth: token works too; 204 is a stop', async () => {
    const transport = fake(noRelay(), new Response(null, { status: 204 }));
    const result = await requestStop(hub, 'token', TOKEN, ORIGIN, transport);
    expect(result).toEqual({ ok: true, via: 'hub', status: 204 });
  });

  it.each([
    ['auth: cookie (the hub wants _xsrf)', hub, 'cookie', TOKEN, ORIGIN],
    ['no token', hub, 'auto', '', ORIGIN],
    [
      'the hub on another origin (no CORS)',
      { ...hub, host: ORIGIN },
      'auto',
      TOKEN,
      'https://alice.hub.example.org'
    ],
    [
      'a hub URL of the settings that is not trusted',
      { ...hub, trusted: false },
      'auto',
      TOKEN,
      ORIGIN
    ]
  ] as const)(
    '%s: not asked; a clear message',
    async (_name, where, auth, token, page) => {
      const transport = fake(noRelay());
      expect(canStopDirectly(where, auth, token, page)).toBe(false);
      const result = await requestStop(where, auth, token, page, transport);
      expect(result).toMatchObject({ ok: false, kind: 'norelay' });
      expect(transport.seen.map(s => s.to)).toEqual(['server']);
    }
  );

  it("the hub's answers: refused, not signed in (a redirect), unreachable", async () => {
    const refused = await requestStop(
      hub,
      'auto',
      TOKEN,
      ORIGIN,
      fake(noRelay(), json(403, { status: 403, message: 'Forbidden' }))
    );
    expect(refused).toMatchObject({
      ok: false,
      via: 'hub',
      detail: 'HTTP 403: Forbidden'
    });
    const redirected = await requestStop(
      hub,
      'auto',
      TOKEN,
      ORIGIN,
      fake(noRelay(), { status: 0, type: 'opaqueredirect' } as Response)
    );
    expect(redirected).toMatchObject({ ok: false, detail: 'redirect' });
    const lost = await requestStop(
      hub,
      'auto',
      TOKEN,
      ORIGIN,
      fake(noRelay(), new TypeError('Failed to fetch'))
    );
    expect(lost).toMatchObject({
      ok: false,
      via: 'hub',
      detail: 'Failed to fetch'
    });
  });
});

describe('stopServer: the confirmation and the notices', () => {
  const trans = nullTranslator.load('jupyterlab_hub_credits');
  const dialog = showDialog as jest.Mock;
  const emit = Notification.emit as jest.Mock;
  const update = Notification.update as jest.Mock;

  beforeEach(() => {
    dialog.mockReset();
    emit.mockClear();
    update.mockClear();
  });

  const answer = (accept: boolean) =>
    dialog.mockResolvedValue({ button: { accept } });

  it('cancelled: nothing is sent, nothing said', async () => {
    answer(false);
    const transport = fake(json(202, { status: 204 }));
    await stopServer(hub, 'auto', TOKEN, trans, () => undefined, transport);
    expect(dialog).toHaveBeenCalledTimes(1);
    expect(dialog.mock.calls[0][0].title).toBe('Stop your server?');
    expect(transport.seen).toHaveLength(0);
    expect(emit).not.toHaveBeenCalled();
    expect(update).not.toHaveBeenCalled();
  });

  it('confirmed: a notice before asking (while this server still serves its code), then the outcome in it', async () => {
    answer(true);
    let noticeFirst = false;
    const transport = fake(json(202, { status: 204 }));
    const server = transport.server;
    await stopServer(hub, 'auto', TOKEN, trans, () => undefined, {
      hub: transport.hub,
      server: (url, init) => {
        noticeFirst = emit.mock.calls.length === 1;
        return server(url, init);
      }
    });
    expect(noticeFirst).toBe(true);
    expect(emit).toHaveBeenCalledWith(
      'Asking the hub to stop your server…',
      'in-progress',
      { autoClose: false }
    );
    expect(transport.seen.map(s => s.to)).toEqual(['server']);
    expect(update).toHaveBeenCalledWith({
      id: 'notice-1',
      message: 'The hub is stopping your server.',
      type: 'info',
      autoClose: 5000
    });
  });

  it('no relay and no direct way: an error notice that says so, with the hub home', async () => {
    answer(true);
    const home = jest.fn();
    await stopServer(hub, 'cookie', TOKEN, trans, home, fake(noRelay()));
    expect(update).toHaveBeenCalledTimes(1);
    const [notice] = update.mock.calls[0];
    expect(notice).toMatchObject({ id: 'notice-1', type: 'error' });
    expect(notice.message).toBe(
      'The hub did not stop the server (this Jupyter server has no credits relay, and this page cannot ask the hub itself). Stop it from the hub home page.'
    );
    expect(notice.autoClose).toBe(false);
    notice.actions[0].callback();
    expect(home).toHaveBeenCalled();
  });

  it('refused by the server: says only the owner can stop it', async () => {
    answer(true);
    await stopServer(
      hub,
      'auto',
      TOKEN,
      trans,
      () => undefined,
      fake(json(403, { message: 'Forbidden' }))
    );
    const [notice] = update.mock.calls[0];
    expect(notice.message).toContain('only its owner can stop it');
    expect(notice.message).not.toContain(TOKEN);
  });
});
