/**
 * A fetch-based reader of the hub's credits stream.
 *
 * DOM-free: `fetch`, the clock and the random source are passed in, so the
 * whole policy (status codes, backoff, watchdog) runs in plain Node tests.
 * `EventSource` is not used because it hides HTTP status codes, and the
 * status code is what tells "no credit service" from "server stopped".
 */
import { createParser } from 'eventsource-parser';
import { parseCreditsEvent } from './payload';
import type { CreditsEvent } from './payload';

/**
 * The connection states a user sees.
 *
 * Terminal (no retry): `unavailable`, `unauthorized`, `stopped`, `disabled`.
 * `offline` means paused by the browser being offline, or still retrying
 * after many consecutive failures.
 */
export type ConnectionState =
  | 'connecting'
  | 'live'
  | 'reconnecting'
  | 'offline'
  | 'unavailable'
  | 'unauthorized'
  | 'stopped'
  | 'disabled';

/**
 * Where the connection is and why.
 */
export interface IConnectionStatus {
  readonly state: ConnectionState;
  /** Why the connection is in this state, for tooltips and logs; never holds a token. */
  readonly reason: string;
  /** Consecutive failed attempts since the last valid event. */
  readonly failures: number;
  /** When the next attempt starts (ms since the epoch), while reconnecting. */
  readonly nextAttemptAt: number | null;
  /** When this state was entered (ms since the epoch). */
  readonly since: number;
}

/**
 * Timers and time, injectable for tests.
 */
export interface IClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The retry and watchdog timings, in milliseconds.
 */
export interface IStreamTimings {
  /** First retry waits up to this long (full jitter). */
  readonly backoffBaseMs: number;
  readonly backoffFactor: number;
  /** No retry waits longer than this. */
  readonly backoffCapMs: number;
  /** Give up on an attempt that has no response headers after this long. */
  readonly connectTimeoutMs: number;
  /** Reconnect when no byte arrived for this long (the hub sends a keepalive every 8 s). */
  readonly heartbeatTimeoutMs: number;
  /** Show `offline` (while still retrying) after this many failures in a row. */
  readonly offlineAfterFailures: number;
}

export const DEFAULT_TIMINGS: IStreamTimings = {
  backoffBaseMs: 1000,
  backoffFactor: 2,
  backoffCapMs: 60000,
  connectTimeoutMs: 10000,
  heartbeatTimeoutMs: 24000,
  offlineAfterFailures: 5
};

/**
 * One way to reach the credits: a stream URL and how to authenticate.
 */
export interface IEndpoint {
  /** Stream URL; never carries credentials. */
  readonly url: string;
  /** Sent as `Authorization: token <token>` when set; else the cookie alone. */
  readonly token?: string;
  /** A name for logs and tooltips, e.g. "per-server stream, cookie". */
  readonly label?: string;
}

/**
 * How many times a 409/404 that follows a lost connection is checked again
 * before the server counts as stopped (the stop event is believed at once).
 */
const STOP_CHECKS = 3;

export type FetchFunction = (
  input: string,
  init: RequestInit
) => Promise<Response>;

export namespace CreditsStream {
  export interface IOptions {
    /**
     * Ways to reach the stream, tried in this order when the hub refuses
     * one (redirect to login, 401, 403); the first that opens is kept.
     */
    endpoints: readonly IEndpoint[];
    fetch: FetchFunction;
    /** `same-origin` for a hub on the page's origin, `include` for a cross-origin hub. */
    credentials?: RequestCredentials;
    /** Snapshots and invalid events, in arrival order. */
    onEvent: (event: CreditsEvent) => void;
    onStatus: (status: IConnectionStatus) => void;
    timings?: Partial<IStreamTimings>;
    clock?: IClock;
    /** Uniform in [0, 1); `Math.random` by default. */
    random?: () => number;
  }
}

/**
 * One logical connection to a credits stream, reconnecting as needed.
 */
export class CreditsStream {
  constructor(options: CreditsStream.IOptions) {
    this._options = options;
    this._timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this._clock = options.clock ?? Private.systemClock;
    this._random = options.random ?? Math.random;
    this._status = {
      state: 'connecting',
      reason: '',
      failures: 0,
      nextAttemptAt: null,
      since: this._clock.now()
    };
  }

  /**
   * The current connection status.
   */
  get status(): IConnectionStatus {
    return this._status;
  }

  /**
   * Number of requests started so far.
   */
  get attempts(): number {
    return this._attempts;
  }

  /**
   * The endpoint in use (or being tried).
   */
  get endpoint(): IEndpoint {
    return this._options.endpoints[this._endpoint];
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Opens the stream. Calling it again while a connection is open or a retry
   * is scheduled does nothing; after a terminal state it starts over.
   */
  start(): void {
    if (this._disposed || this._active) {
      return;
    }
    this._active = true;
    this._paused = false;
    this._sawEvent = false;
    this._failures = 0;
    this._endpoint = 0;
    this._open();
  }

  /**
   * Closes the connection without scheduling a retry, e.g. while the browser
   * is offline or the page is in the back/forward cache.
   */
  pause(reason: string): void {
    if (this._disposed || !this._active || this._paused) {
      return;
    }
    this._cancel();
    this._paused = true;
    this._setStatus('offline', reason);
  }

  /**
   * Ends a pause: connects after `delayMs` (a little jitter spreads the
   * clients of a hub that all come back online at once).
   */
  resume(delayMs = 0): void {
    if (this._disposed || !this._paused) {
      return;
    }
    this._paused = false;
    this._cancel();
    this._setStatus(
      this._failures > 0 || this._sawEvent ? 'reconnecting' : 'connecting',
      '',
      this._clock.now() + delayMs
    );
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      this._open();
    }, delayMs);
  }

  /**
   * Whether a connection is open, being opened or waiting for a retry.
   */
  get isActive(): boolean {
    return this._active && !this._paused;
  }

  /**
   * Drops the current connection or pending retry and connects at once.
   */
  reconnect(): void {
    if (this._disposed) {
      return;
    }
    this._cancel();
    this._active = true;
    this._paused = false;
    this._open();
  }

  /**
   * Closes the connection and cancels every timer; nothing fires afterwards.
   */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._cancel();
    this._active = false;
    this._disposed = true;
  }

  private _open(): void {
    const generation = ++this._generation;
    const controller = new AbortController();
    this._controller = controller;
    this._attempts++;
    this._setStatus(
      this._failures >= this._timings.offlineAfterFailures
        ? 'offline'
        : this._failures > 0
          ? 'reconnecting'
          : 'connecting',
      this._failures > 0 ? this._status.reason : ''
    );
    this._arm(this._timings.connectTimeoutMs, 'no response from the hub');
    void this._run(generation, controller);
  }

  private async _run(
    generation: number,
    controller: AbortController
  ): Promise<void> {
    const current = () => generation === this._generation;
    const endpoint = this.endpoint;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (endpoint.token) {
      headers.Authorization = `token ${endpoint.token}`;
    }
    let response: Response;
    try {
      response = await this._options.fetch(endpoint.url, {
        method: 'GET',
        headers,
        credentials: this._options.credentials ?? 'same-origin',
        redirect: 'manual',
        cache: 'no-store',
        signal: controller.signal
      });
    } catch (error) {
      if (current()) {
        this._retry(`network error: ${Private.message(error)}`);
      }
      return;
    }
    if (!current()) {
      void Private.discard(response);
      return;
    }
    const verdict = Private.classify(response, this._sawEvent);
    if (verdict.kind !== 'open') {
      void Private.discard(response);
      if (verdict.kind === 'retry') {
        this._retry(verdict.reason, verdict.notBeforeMs);
      } else if (
        verdict.state === 'unauthorized' &&
        this._endpoint + 1 < this._options.endpoints.length
      ) {
        // Refused this way: try the next way at once.
        this._endpoint++;
        this._cancel();
        this._open();
      } else if (
        verdict.state === 'stopped' &&
        this._failures > 0 &&
        this._stopChecks < STOP_CHECKS
      ) {
        // The connection was lost without the hub's stop event: a hub that
        // is restarting answers 409/404 until it has checked its servers
        // again. Ask a few more times before calling the server stopped.
        this._stopChecks++;
        this._retry(`${verdict.reason} (checking again)`);
      } else {
        this._finish(verdict.state, verdict.reason);
      }
      return;
    }
    this._arm(this._timings.heartbeatTimeoutMs, 'the hub went silent');
    this._setStatus('live', '');
    await this._read(response.body!, generation);
  }

  private async _read(
    body: ReadableStream<Uint8Array>,
    generation: number
  ): Promise<void> {
    const current = () => generation === this._generation;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: message => {
        if (current()) {
          this._onData(message.data);
        }
      },
      onRetry: ms => {
        this._serverRetryMs = ms;
      }
    });
    const reader = body.getReader();
    this._reader = reader;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (!current()) {
          return;
        }
        if (done) {
          parser.feed(decoder.decode());
          break;
        }
        // Every byte counts as life: keepalives never reach onEvent.
        this._arm(this._timings.heartbeatTimeoutMs, 'the hub went silent');
        parser.feed(decoder.decode(value, { stream: true }));
        if (!current()) {
          return;
        }
      }
    } catch (error) {
      if (current()) {
        this._retry(`connection lost: ${Private.message(error)}`);
      }
      return;
    }
    if (current()) {
      this._retry('the hub closed the stream');
    }
  }

  private _onData(data: string): void {
    const event = parseCreditsEvent(data);
    if (event.kind === 'stopped') {
      this._options.onEvent(event);
      this._finish('stopped', event.message);
      return;
    }
    if (event.kind === 'snapshot') {
      this._sawEvent = true;
      this._stopChecks = 0;
      if (this._failures > 0) {
        this._failures = 0;
        this._setStatus('live', '');
      }
    }
    this._options.onEvent(event);
  }

  /**
   * Schedules the next attempt: full jitter over an exponentially growing
   * window, never earlier than the server asked (`retry:` or `Retry-After`).
   */
  private _retry(reason: string, notBeforeMs = 0): void {
    this._cancel();
    const window = Math.min(
      this._timings.backoffCapMs,
      this._timings.backoffBaseMs *
        Math.pow(this._timings.backoffFactor, this._failures)
    );
    const delay = Math.max(
      Math.floor(this._random() * window),
      notBeforeMs,
      this._serverRetryMs
    );
    this._failures++;
    this._setStatus(
      this._failures >= this._timings.offlineAfterFailures
        ? 'offline'
        : 'reconnecting',
      reason,
      this._clock.now() + delay
    );
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      this._open();
    }, delay);
  }

  private _finish(state: ConnectionState, reason: string): void {
    this._cancel();
    this._active = false;
    this._setStatus(state, reason);
  }

  /**
   * (Re)starts the one watchdog timer of the current attempt.
   */
  private _arm(ms: number, reason: string): void {
    if (this._watchdog !== null) {
      this._clock.clearTimeout(this._watchdog);
    }
    const generation = this._generation;
    this._watchdog = this._clock.setTimeout(() => {
      this._watchdog = null;
      if (generation === this._generation) {
        this._retry(reason);
      }
    }, ms);
  }

  /**
   * Ends the current attempt and every timer; late callbacks of the attempt
   * see a newer generation and do nothing.
   */
  private _cancel(): void {
    this._generation++;
    this._controller?.abort();
    this._controller = null;
    // Release the body even when the fetch in use ignores the abort signal.
    this._reader?.cancel().catch(() => undefined);
    this._reader = null;
    if (this._timer !== null) {
      this._clock.clearTimeout(this._timer);
      this._timer = null;
    }
    if (this._watchdog !== null) {
      this._clock.clearTimeout(this._watchdog);
      this._watchdog = null;
    }
  }

  private _setStatus(
    state: ConnectionState,
    reason: string,
    nextAttemptAt: number | null = null
  ): void {
    const previous = this._status;
    const since = previous.state === state ? previous.since : this._clock.now();
    this._status = {
      state,
      reason,
      failures: this._failures,
      nextAttemptAt,
      since
    };
    if (
      previous.state !== state ||
      previous.reason !== reason ||
      previous.nextAttemptAt !== nextAttemptAt ||
      previous.failures !== this._failures
    ) {
      this._options.onStatus(this._status);
    }
  }

  private _options: CreditsStream.IOptions;
  private _timings: IStreamTimings;
  private _clock: IClock;
  private _random: () => number;
  private _status: IConnectionStatus;
  private _generation = 0;
  private _controller: AbortController | null = null;
  private _reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private _timer: unknown = null;
  private _watchdog: unknown = null;
  private _failures = 0;
  private _attempts = 0;
  private _endpoint = 0;
  private _paused = false;
  private _stopChecks = 0;
  private _serverRetryMs = 0;
  private _sawEvent = false;
  private _active = false;
  private _disposed = false;
}

namespace Private {
  export const systemClock: IClock = {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: handle =>
      clearTimeout(handle as ReturnType<typeof setTimeout>)
  };

  export type Verdict =
    | { kind: 'open' }
    | { kind: 'retry'; reason: string; notBeforeMs: number }
    | {
        kind: 'end';
        state: 'unavailable' | 'unauthorized' | 'stopped';
        reason: string;
      };

  /**
   * The status-code policy.
   *
   * @param sawEvent - whether this stream delivered a snapshot before: a 404
   *   then means the hub dropped the stopped server, not a missing route.
   */
  export function classify(response: Response, sawEvent: boolean): Verdict {
    const status = response.status;
    if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
      return {
        kind: 'end',
        state: 'unauthorized',
        reason: 'the hub asked to log in'
      };
    }
    if (status === 401 || status === 403) {
      return {
        kind: 'end',
        state: 'unauthorized',
        reason: `the hub refused access (HTTP ${status})`
      };
    }
    if (status === 404) {
      return sawEvent
        ? {
            kind: 'end',
            state: 'stopped',
            reason: 'the hub no longer knows this server'
          }
        : {
            kind: 'end',
            state: 'unavailable',
            reason: 'the hub has no credit service (HTTP 404)'
          };
    }
    if (status === 409) {
      return {
        kind: 'end',
        state: 'stopped',
        reason: 'the server is not running'
      };
    }
    if (status === 429 || status >= 500) {
      return {
        kind: 'retry',
        reason: `the hub answered HTTP ${status}`,
        notBeforeMs: retryAfterMs(response.headers.get('Retry-After'))
      };
    }
    if (status !== 200) {
      return {
        kind: 'end',
        state: 'unavailable',
        reason: `unexpected answer from the hub (HTTP ${status})`
      };
    }
    const type = (response.headers.get('Content-Type') ?? '').toLowerCase();
    if (type.startsWith('text/html')) {
      // A login page delivered in place of the stream.
      return {
        kind: 'end',
        state: 'unauthorized',
        reason: 'the hub answered with a login page'
      };
    }
    if (!type.startsWith('text/event-stream') || !response.body) {
      return {
        kind: 'end',
        state: 'unavailable',
        reason: `the hub did not answer with an event stream (${type || 'no content type'})`
      };
    }
    return { kind: 'open' };
  }

  /**
   * `Retry-After` in seconds or as an HTTP date, as a delay in ms.
   */
  export function retryAfterMs(value: string | null): number {
    if (!value) {
      return 0;
    }
    const seconds = Number(value);
    if (Number.isFinite(seconds)) {
      return Math.max(0, seconds * 1000);
    }
    const date = Date.parse(value);
    return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
  }

  export async function discard(response: Response): Promise<void> {
    try {
      await response.body?.cancel();
    } catch {
      // Nothing to clean up.
    }
  }

  export function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}
