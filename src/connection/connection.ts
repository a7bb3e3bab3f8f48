/**
 * Keeps this page's credits connection matching the settings: which
 * endpoints, which auth, shared across tabs or not, which timings.
 */
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import type { IEndpoint } from './attempt';
import { streamEndpoints } from './endpoints';
import type { AuthMode, EndpointMode } from './endpoints';
import type { IHubLocation } from './hub';
import { PageLifecycle } from './lifecycle';
import type { CreditsModel } from '../model/model';
import { connectionStatus } from '../model/state';
import type { IStreamTimings } from './policy';
import { SharedCredits } from './share';
import type { IChannel, ICreditsSink, ILocks } from './share';
import { CreditsStream } from './stream';

/**
 * Everything that decides how to connect.
 */
export interface IConnectionConfig {
  hub: IHubLocation;
  endpoint: EndpointMode;
  auth: AuthMode;
  share: boolean;
  timings: Partial<IStreamTimings>;
}

export class CreditsConnection implements IDisposable {
  constructor(options: CreditsConnection.IOptions) {
    this._model = options.model;
    this._token = options.token;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Applies a configuration; an unchanged one keeps the open connection.
   */
  configure(config: IConnectionConfig): void {
    const key = JSON.stringify(config);
    if (key === this._key) {
      return;
    }
    this.close();
    this._key = key;
    const hub = config.hub;
    const endpoints = streamEndpoints(
      hub,
      config.endpoint,
      config.auth,
      this._token,
      window.location.origin
    );
    if (endpoints.length === 0) {
      this._model.setStatus(
        connectionStatus('unauthorized', Date.now(), {
          reason: 'token authentication is chosen but the page has no token'
        })
      );
      return;
    }
    this._shared = new SharedCredits({
      key: endpoints[0].url,
      sink: {
        onEvent: (event, data) => this._model.applyEvent(event, data),
        onStatus: status => this._model.setStatus(status)
      },
      locks: config.share ? Private.locks() : null,
      openChannel: Private.channel,
      createStream: sink => this._createStream(config, endpoints, sink)
    });
    this._shared.start();
  }

  /**
   * The stream of the tab that leads, tied to the page's life.
   */
  private _createStream(
    config: IConnectionConfig,
    endpoints: IEndpoint[],
    sink: ICreditsSink
  ): CreditsStream {
    const hub = config.hub;
    const sameOrigin = !hub.host || hub.host === window.location.origin;
    const stream = new CreditsStream({
      endpoints,
      fetch: (input, init) => window.fetch(input, init),
      // The relay is this Jupyter server: ask it as JupyterLab does (its
      // token or cookie and XSRF header).
      relayFetch: (input, init) =>
        ServerConnection.makeRequest(
          new URL(input, window.location.href).href,
          init,
          this._serverSettings
        ),
      credentials: sameOrigin ? 'same-origin' : 'include',
      onEvent: sink.onEvent,
      onStatus: sink.onStatus,
      timings: config.timings
    });
    this._lifecycle = new PageLifecycle({
      stream,
      window,
      document,
      online: navigator.onLine
    });
    return stream;
  }

  /**
   * Reconnects now (in whichever tab streams).
   */
  reconnect(): void {
    this._shared?.reconnect();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.close();
  }

  /**
   * Closes the connection (until the next `configure`).
   */
  close(): void {
    this._key = '';
    this._lifecycle?.dispose();
    this._lifecycle = null;
    this._shared?.dispose();
    this._shared = null;
  }

  private _serverSettings = ServerConnection.makeSettings();
  private _model: CreditsModel;
  private _token: string;
  private _key = '';
  private _shared: SharedCredits | null = null;
  private _lifecycle: PageLifecycle | null = null;
  private _disposed = false;
}

export namespace CreditsConnection {
  export interface IOptions {
    model: CreditsModel;
    /** The page's hub token (PageConfig `token`), sent only in a header. */
    token: string;
  }
}

namespace Private {
  /**
   * The browser's Web Locks, where there are any (a secure context).
   */
  export function locks(): ILocks | null {
    return typeof navigator !== 'undefined' && navigator.locks
      ? (navigator.locks as unknown as ILocks)
      : null;
  }

  /**
   * A BroadcastChannel of this extension, where there is one.
   */
  export function channel(name: string): IChannel | null {
    return typeof BroadcastChannel === 'undefined'
      ? null
      : (new BroadcastChannel(
          `jupyterlab-hub-credits:${name}`
        ) as unknown as IChannel);
  }
}
