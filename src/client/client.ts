/**
 * The page's client of its own server part (never the hub): it reads
 * `GET hub-credits/state` first and at every change the event bus signals
 * (`{seq, start}`, no numbers). A visible page claims live numbers, a
 * hidden one that guards work sends leases; each answer's `{seq, start}`
 * lets a page that missed events catch up. Failures retry with a backoff.
 */
import type { IDisposable } from '@lumino/disposable';
import { systemClock } from './clock';
import type { IClock } from './clock';
import type { ISignal } from '@lumino/signaling';
import type { CreditsModel } from '../model/model';
import { because, connectionStatus, nextStatus } from '../model/state';
import type { ConnectionState, IConnectionStatus } from '../model/state';
import protocol from '../protocol.json';
import { parseState } from './document';
import { probe, saysGone } from './server';
import type { ServerFetch } from './server';

type Reasoned = Pick<IConnectionStatus, 'reason' | 'why'>;
type Timer = '_retryTimer' | '_presenceTimer' | '_stopTimer';

/** The schema of the server part's change events (`events.py`). */
export const CHANGED_SCHEMA =
  'https://events.jupyter.org/jupyterlab_hub_credits/changed/v1';
const { presence, timings } = protocol;
/** A visible page renews its claim this often (the server keeps it 90 s). */
export const CLAIM_EVERY_MS = presence.claimEverySeconds * 1000;
/** A hidden page that guards work renews its lease this often, this long. */
export const LEASE_EVERY_MS = presence.leaseEverySeconds * 1000;
export const LEASE_SECONDS = presence.leaseSeconds;
/** Retries after a failure: from 5 s, doubling, up to 60 s. */
export const RETRY_BASE_MS = timings.backoffBaseSeconds * 1000;
export const RETRY_CAP_MS = timings.backoffCapSeconds * 1000;
/** Near a predicted stop (this close), a visible page reads this often. */
const STOP_NEAR_MS = 120_000;
const STOP_READ_EVERY_MS = 5_000;

/** What the client listens to on the page, injectable for tests. */
export interface IPage {
  readonly visible: boolean;
  readonly online: boolean;
  listen(
    target: 'window' | 'document',
    type: string,
    listener: (event: Event) => void
  ): () => void;
}

/** One event of Jupyter Server's event bus. */
export interface IEmission {
  readonly schema_id: string;
  readonly [key: string]: unknown;
}

export class CreditsClient implements IDisposable {
  constructor(options: CreditsClient.IOptions) {
    this._options = options;
    this._clock = options.clock ?? systemClock;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  start(): void {
    const { page, events, connectionFailure } = this._options;
    events?.connect(this._onEmission, this);
    connectionFailure?.connect(this._onFailureSignal, this);
    this._unlisten = [
      page.listen('document', 'visibilitychange', () => this._onVisibility()),
      page.listen('window', 'online', () => this._wake()),
      page.listen('window', 'offline', () => this._onOffline()),
      // Back from the back/forward cache (not the first show at load).
      page.listen('window', 'pageshow', event => {
        if ((event as PageTransitionEvent).persisted) {
          this._wake();
        }
      }),
      page.listen('document', 'resume', () => this._wake())
    ];
    if (!page.online) {
      this._onOffline();
    }
    // A visible page claims first: the claim's answer brings the first
    // read, so the server part is not asked for a one-off poll it would
    // make before the claim arrives.
    if (!this._schedulePresence(true)) {
      this._read();
    }
  }

  /** How far ahead the page guards work (0: none): a hidden page leases. */
  setLeadMinutes(minutes: number): void {
    const had = this._leadMinutes > 0;
    this._leadMinutes = minutes;
    if (had !== minutes > 0 && !this._options.page.visible) {
      this._schedulePresence(true);
    }
  }

  /** A user's Reconnect: the server part leaves a terminal state; a read. */
  reconnect(): void {
    if (this._disposed) {
      return;
    }
    const read = () => {
      this._terminal = false;
      this._failures = 0;
      this._read();
      this._schedulePresence(true);
    };
    this._options
      .fetch(`${this._options.baseUrl}hub-credits/reconnect`, {
        method: 'POST'
      })
      .then(read, read);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._options.events?.disconnect(this._onEmission, this);
    this._options.connectionFailure?.disconnect(this._onFailureSignal, this);
    this._unlisten.forEach(stop => stop());
    this._clearTimers('_retryTimer', '_presenceTimer', '_stopTimer');
  }

  private _onEmission(_: unknown, emission: IEmission): void {
    if (emission.schema_id !== CHANGED_SCHEMA) {
      return;
    }
    this._catchUp(emission.seq, emission.start);
  }

  private _onFailureSignal(): void {
    // JupyterLab lost its server: see what it is now.
    if (this._failures === 0) {
      this._read();
    }
  }

  /** Reads again when `{seq, start}` says something changed since. */
  private _catchUp(seq: unknown, start: unknown): void {
    if (typeof seq !== 'number' || typeof start !== 'string') {
      return;
    }
    if (start !== this._start) {
      this._start = ''; // another run of the server part: a whole read
      this._read();
    } else if (seq > this._seq) {
      this._read();
    }
  }

  private _onVisibility(): void {
    this._schedulePresence(true);
    if (this._options.page.visible && this._failures > 0) {
      this._read();
    }
  }

  private _onOffline(): void {
    this._options.model.setStatus(
      connectionStatus('offline', this._clock.now(), because('offline'))
    );
  }

  private _wake(): void {
    if (this._failures > 0 || this._options.model.state === 'offline') {
      this._read();
    }
    this._schedulePresence(true);
  }

  /** `GET state`, one at a time (a change meanwhile reads once more after). */
  private _read(): void {
    if (this._disposed || this._terminal) {
      return;
    }
    if (this._reading) {
      this._again = true;
      return;
    }
    this._reading = true;
    this._clearTimers('_retryTimer');
    void this._readOnce().finally(() => {
      this._reading = false;
      if (this._again && !this._disposed) {
        this._again = false;
        this._read();
      }
    });
  }

  private async _readOnce(): Promise<void> {
    const { fetch, baseUrl, model, page } = this._options;
    let response: Response;
    try {
      // Only the history samples this page does not have yet.
      const end = this._start ? model.historyEnd : null;
      const query = end === null ? '' : `?after=${end}`;
      response = await fetch(`${baseUrl}hub-credits/state${query}`, {
        method: 'GET',
        redirect: 'manual',
        cache: 'no-store'
      });
    } catch (error) {
      if (!this._disposed) {
        // The browser's own words are the part.
        this._fail(
          page.online ? 'disconnected' : 'offline',
          page.online
            ? because(
                'network_error',
                error instanceof Error ? error.message : String(error)
              )
            : because('offline')
        );
      }
      return;
    }
    if (this._disposed) {
      return;
    }
    if (response.status === 200) {
      const value: unknown = await response.json().catch(() => null);
      if (this._disposed) {
        return;
      }
      const document = parseState(value, this._clock.now());
      if (document === null) {
        this._fail('disconnected', because('not_state'));
        return;
      }
      if (document.start === this._start && document.seq < this._seq) {
        return; // an older answer overtaken by a newer one
      }
      if (document.historyAfter > 0 && document.start !== this._start) {
        // Another run of the server part: read its whole history.
        this._start = '';
        this._again = true;
        return;
      }
      this._failures = 0;
      this._seq = document.seq;
      this._start = document.start;
      model.apply(document);
      this._watchStop();
      return;
    }
    void response.body?.cancel().catch(() => undefined);
    if (response.status === 401 || response.status === 403) {
      this._end(
        'unauthorized',
        because('page_refused', String(response.status))
      );
      return;
    }
    // No route (404): no server part here, unless the server itself is gone.
    const probed = response.status === 404 ? await probe(fetch, baseUrl) : null;
    if (this._disposed) {
      return;
    }
    if (probed === 'running') {
      this._end('noextension', because('no_server_part'));
    } else if (probed === 'gone' || (probed === null && saysGone(response))) {
      this._end('stopped', because('server_not_running'));
    } else {
      this._fail(
        'disconnected',
        because('server_http', String(response.status))
      );
    }
  }

  /**
   * Near a predicted stop a visible page reads often: the server may be
   * gone before it can tell (reading its own server costs the hub nothing).
   */
  private _watchStop(): void {
    this._clearTimers('_stopTimer');
    const estimate = this._options.model.estimate(this._clock.now());
    if (
      estimate.kind !== 'falling' ||
      estimate.msToStop > STOP_NEAR_MS ||
      !this._options.page.visible
    ) {
      return;
    }
    this._setTimer('_stopTimer', STOP_READ_EVERY_MS, () => this._read());
  }

  /** A state that stays until the user's Reconnect. */
  private _end(state: ConnectionState, reason: Reasoned): void {
    this._terminal = true;
    this._clearTimers('_presenceTimer');
    this._options.model.setStatus(
      connectionStatus(state, this._clock.now(), reason)
    );
  }

  /** A failure: said, and retried after the backoff. */
  private _fail(state: ConnectionState, reason: Reasoned): void {
    const random = this._options.random ?? Math.random;
    const wait = Math.min(
      RETRY_CAP_MS,
      RETRY_BASE_MS * timings.backoffFactor ** Math.min(this._failures, 10)
    );
    this._failures++;
    const delay = Math.round(wait * (0.5 + random() / 2));
    const now = this._clock.now();
    this._options.model.setStatus(
      nextStatus(this._options.model.status, state, now, {
        ...reason,
        failures: this._failures,
        nextAttemptAt: now + delay
      })
    );
    this._setTimer('_retryTimer', delay, () => this._read());
  }

  /**
   * The claim (visible) or lease (hidden, guarding work) now and on its
   * period; returns whether one was sent now.
   */
  private _schedulePresence(now: boolean): boolean {
    this._clearTimers('_presenceTimer');
    if (this._disposed || this._terminal) {
      return false;
    }
    const visible = this._options.page.visible;
    if (!visible && this._leadMinutes <= 0) {
      return false;
    }
    if (now) {
      void this._present(visible);
    }
    this._setTimer(
      '_presenceTimer',
      visible ? CLAIM_EVERY_MS : LEASE_EVERY_MS,
      () => this._schedulePresence(true)
    );
    return now;
  }

  private async _present(visible: boolean): Promise<void> {
    const { fetch, baseUrl } = this._options;
    // A lease says how long before the stop this page must know: the
    // server part paces its reading of the hub by it.
    const lead = Math.round(this._leadMinutes * 60);
    const query = visible ? '' : `?lease=${LEASE_SECONDS}&lead=${lead}`;
    try {
      const url = `${baseUrl}hub-credits/claim${query}`;
      const response = await fetch(url, { method: 'POST' });
      if (response.status === 200) {
        const answer = (await response.json()) as Record<string, unknown>;
        return this._catchUp(answer?.seq, answer?.start);
      }
    } catch {
      // the read below says what is wrong
    }
    this._read();
  }

  private _clearTimers(...names: Timer[]): void {
    for (const name of names.filter(n => this[n] !== null)) {
      this._clock.clearTimeout(this[name]);
      this[name] = null;
    }
  }

  private _setTimer(name: Timer, ms: number, run: () => void): void {
    this._clearTimers(name);
    this[name] = this._clock.setTimeout(() => {
      this[name] = null;
      run();
    }, ms);
  }

  private _options: CreditsClient.IOptions;
  private _clock: IClock;
  private _unlisten: (() => void)[] = [];
  private _disposed = false;
  private _reading = false;
  private _again = false;
  private _terminal = false;
  private _failures = 0;
  private _seq = -1;
  private _start = '';
  private _leadMinutes = 0;
  private _retryTimer: unknown = null;
  private _presenceTimer: unknown = null;
  private _stopTimer: unknown = null;
}

export namespace CreditsClient {
  export interface IOptions {
    model: CreditsModel;
    /** This server's base URL (leading and trailing slash). */
    baseUrl: string;
    fetch: ServerFetch;
    page: IPage;
    /** The event bus's stream (`app.serviceManager.events.stream`). */
    events?: ISignal<unknown, IEmission> | null;
    /** JupyterLab lost its server (`app.serviceManager.connectionFailure`). */
    connectionFailure?: ISignal<unknown, Error> | null;
    clock?: IClock;
    random?: () => number;
  }
}

/** The browser page, as the client listens to it. */
export function browserPage(): IPage {
  return {
    get visible() {
      return document.visibilityState === 'visible';
    },
    get online() {
      return navigator.onLine;
    },
    listen: (target, type, listener) => {
      const on = target === 'window' ? window : document;
      on.addEventListener(type, listener);
      return () => on.removeEventListener(type, listener);
    }
  };
}
