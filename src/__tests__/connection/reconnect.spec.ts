/**
 * An explicit Reconnect reaches this server's relay first
 * (`POST {baseUrl}hub-credits/reconnect`, as JupyterLab makes requests),
 * and the hub connection reconnects once that request has settled, however
 * it went (an older relay answers 404).
 */
import { ServerConnection } from '@jupyterlab/services';
import { CreditsConnection } from '../../connection/connection';
import { readHubLocation } from '../../connection/hub';
import { SharedCredits } from '../../connection/share';
import { CreditsModel } from '../../model/model';

const RECONNECT = '/user/alice/hub-credits/reconnect';

interface IPending {
  resolve: (response: Response) => void;
  reject: (error: unknown) => void;
}

describe('CreditsConnection.reconnect', () => {
  let originalFetch: typeof window.fetch;
  let makeRequest: jest.SpyInstance;
  let sharedReconnect: jest.SpyInstance;
  let pending: IPending[];
  let order: string[];
  let connection: CreditsConnection;

  beforeEach(() => {
    originalFetch = window.fetch;
    // The hub connection's own requests never answer: only Reconnect counts.
    window.fetch = (() =>
      new Promise<Response>(() => undefined)) as typeof window.fetch;
    pending = [];
    order = [];
    makeRequest = jest
      .spyOn(ServerConnection, 'makeRequest')
      .mockImplementation((url: string) => {
        if (!url.endsWith('hub-credits/reconnect')) {
          return new Promise<Response>(() => undefined);
        }
        order.push('post');
        return new Promise<Response>((resolve, reject) =>
          pending.push({ resolve, reject })
        );
      });
    sharedReconnect = jest
      .spyOn(SharedCredits.prototype, 'reconnect')
      .mockImplementation(() => {
        order.push('shared');
      });
    connection = new CreditsConnection({
      model: new CreditsModel(),
      token: 'page-token'
    });
  });

  afterEach(() => {
    connection.dispose();
    window.fetch = originalFetch;
    jest.restoreAllMocks();
  });

  function configure(): void {
    const options: Record<string, string> = {
      hubPrefix: '/hub/',
      hubUser: 'alice',
      baseUrl: '/user/alice/'
    };
    connection.configure({
      hub: readHubLocation(name => options[name] ?? '')!,
      endpoint: 'auto',
      auth: 'auto',
      share: false,
      timings: {}
    });
  }

  function reconnectCalls(): [string, RequestInit, unknown][] {
    return makeRequest.mock.calls.filter(([url]) =>
      String(url).endsWith('hub-credits/reconnect')
    ) as [string, RequestInit, unknown][];
  }

  const settle = () => new Promise(resolve => setTimeout(resolve, 0));

  it('POSTs {baseUrl}hub-credits/reconnect, then reconnects the hub connection', async () => {
    configure();
    connection.reconnect();
    const calls = reconnectCalls();
    expect(calls).toHaveLength(1);
    const [url, init, settings] = calls[0];
    expect(new URL(url).pathname).toBe(RECONNECT);
    expect(new URL(url).origin).toBe(window.location.origin);
    expect(init.method).toBe('POST');
    expect(settings).toBeDefined();
    // Not before the relay has answered.
    await settle();
    expect(sharedReconnect).not.toHaveBeenCalled();
    pending[0].resolve(new Response(null, { status: 204 }));
    await settle();
    expect(sharedReconnect).toHaveBeenCalledTimes(1);
    expect(order).toEqual(['post', 'shared']);
  });

  it('an older relay (404) or a failed request: reconnects all the same, quietly', async () => {
    const error = jest.spyOn(console, 'error');
    const warn = jest.spyOn(console, 'warn');
    configure();
    connection.reconnect();
    pending[0].resolve(new Response('Not Found', { status: 404 }));
    await settle();
    expect(sharedReconnect).toHaveBeenCalledTimes(1);
    connection.reconnect();
    pending[1].reject(new ServerConnection.NetworkError(new TypeError('down')));
    await settle();
    expect(sharedReconnect).toHaveBeenCalledTimes(2);
    expect(order).toEqual(['post', 'shared', 'post', 'shared']);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('without a hub location (not configured): no request', () => {
    connection.reconnect();
    expect(reconnectCalls()).toHaveLength(0);
  });
});
