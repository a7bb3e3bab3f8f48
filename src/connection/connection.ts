/**
 * Keeps this page's credits connection matching the settings: which
 * endpoints, which auth, shared across tabs or not, which timings, and the
 * reading rule (stream while someone looks, poll otherwise).
 */
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import type { IEndpoint } from './attempt';
import { streamEndpoints, userStreamUrl } from './endpoints';
import type { AuthMode, EndpointMode } from './endpoints';
import { hubUrl } from './hub';
import { hubCredentials } from './trust';
import type { IHubLocation } from './hub';
import { PageLifecycle } from './lifecycle';
import type { CreditsModel } from '../model/model';
import { connectionStatus } from '../model/state';
import type { IStreamTimings } from './policy';
import { CreditsReader } from './reading';
import type { ReadingMode } from './reading';
import { SharedCredits } from './share';
import type {
  IChannel,
  ICreditsSink,
  ILeaderStream,
  IVisibility
} from './share';

/**
 * Everything that decides how to connect.
 */
export interface IConnectionConfig {
  hub: IHubLocation;
  endpoint: EndpointMode;
  auth: AuthMode;
  share: boolean;
  timings: Partial<IStreamTimings>;
  /** The setting `reading` (`auto` when not given). */
  reading?: ReadingMode;
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
    this._hub = hub;
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
      openChannel: config.share ? Private.channel : () => null,
      visibility: Private.visibility(),
      createStream: sink => this._createReader(config, endpoints, sink)
    });
    this._shared.start();
    this._listen(true);
  }

  /**
   * A page that freezes or enters the back/forward cache leaves the tabs
   * (a leader hands over at once) and joins again when it comes back; one
   * that unloads says goodbye.
   */
  private _listen(on: boolean): void {
    const method = on ? 'addEventListener' : 'removeEventListener';
    window[method]('pagehide', this._onPageHide);
    window[method]('pageshow', this._onPageShow);
    document[method]('freeze', this._onFreeze);
    document[method]('resume', this._onResume);
  }

  private _onPageHide = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) {
      this._shared?.leave();
    } else {
      this._shared?.dispose();
    }
  };

  private _onPageShow = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) {
      this._shared?.rejoin();
    }
  };

  private _onFreeze = () => this._shared?.leave();

  private _onResume = () => this._shared?.rejoin();

  /**
   * The reader of the tab that leads, tied to the page's life.
   */
  private _createReader(
    config: IConnectionConfig,
    endpoints: IEndpoint[],
    sink: ICreditsSink
  ): ILeaderStream {
    const hub = config.hub;
    const reader = new CreditsReader({
      endpoints,
      list: Private.list(hub, endpoints),
      mode: config.reading ?? 'auto',
      stream: {
        fetch: (input, init) => window.fetch(input, init),
        // The relay is this Jupyter server: ask it as JupyterLab does (its
        // token or cookie and XSRF header).
        relayFetch: (input, init) =>
          ServerConnection.makeRequest(
            new URL(input, window.location.href).href,
            init,
            this._serverSettings
          ),
        credentials: hubCredentials(hub, window.location.origin)
      },
      onEvent: sink.onEvent,
      onStatus: sink.onStatus,
      timings: config.timings
    });
    const lifecycle = new PageLifecycle({
      stream: reader,
      window,
      document,
      online: navigator.onLine
    });
    const dispose = reader.dispose.bind(reader);
    reader.dispose = () => {
      lifecycle.dispose();
      dispose();
    };
    return reader;
  }

  /**
   * Reconnects now (in whichever tab streams). First tells this server's
   * relay (`POST {baseUrl}hub-credits/reconnect`): it keeps a terminal
   * state (not signed in, no credit service, server stopped) until a
   * user's explicit Reconnect. An older relay answers 404; any failure is
   * ignored, and the reconnect follows once the request has settled.
   */
  reconnect(): void {
    const hub = this._hub;
    if (!hub?.baseUrl) {
      this._shared?.reconnect();
      return;
    }
    // Whichever connection is open when the relay has answered.
    const reconnectShared = () => this._shared?.reconnect();
    let request: Promise<unknown>;
    try {
      request = ServerConnection.makeRequest(
        new URL(`${hub.baseUrl}hub-credits/reconnect`, window.location.href)
          .href,
        { method: 'POST' },
        this._serverSettings
      );
    } catch {
      request = Promise.resolve();
    }
    void request.then(reconnectShared, reconnectShared);
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
    this._hub = null;
    this._listen(false);
    this._shared?.dispose();
    this._shared = null;
  }

  private _serverSettings = ServerConnection.makeSettings();
  private _model: CreditsModel;
  private _token: string;
  private _key = '';
  /** The hub of the last configuration (its `baseUrl` is this server's). */
  private _hub: IHubLocation | null = null;
  private _shared: SharedCredits | null = null;
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
   * A BroadcastChannel of this extension, where there is one (there is on
   * plain-HTTP origins too, unlike Web Locks).
   */
  export function channel(name: string): IChannel | null {
    return typeof BroadcastChannel === 'undefined'
      ? null
      : (new BroadcastChannel(
          `jupyterlab-hub-credits:${name}`
        ) as unknown as IChannel);
  }

  /**
   * This page's visibility (Page Visibility; a page that is hidden or being
   * unloaded counts as not looking).
   */
  export function visibility(): IVisibility {
    return {
      get visible() {
        return document.visibilityState === 'visible';
      },
      watch: listener => {
        document.addEventListener('visibilitychange', listener);
        return () => document.removeEventListener('visibilitychange', listener);
      }
    };
  }

  /**
   * The hub's list to poll with the page's token: where a direct way with
   * the token is among the endpoints (the token goes only where they say).
   */
  export function list(
    hub: IHubLocation,
    endpoints: readonly IEndpoint[]
  ): CreditsReader.IOptions['list'] {
    const direct = endpoints.find(e => e.via !== 'relay' && e.token);
    if (!direct?.token) {
      return null;
    }
    return {
      url: hubUrl(hub, 'api/credits'),
      token: direct.token,
      shape: direct.url === userStreamUrl(hub) ? 'user' : 'server'
    };
  }
}
