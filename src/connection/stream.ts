/**
 * One logical connection to the hub's credits stream, as a state machine
 * you can read: the stream is in one phase at a time, each attempt is an
 * `Attempt` object, and every decision is a pure function of `policy.ts`.
 *
 *   idle ──start──► attempt ──lost/retry──► waiting ──timer──► attempt …
 *                      │ refused: next endpoint (attempt) or idle (unauthorized)
 *                      │ end / stop event: idle (terminal state)
 *   any ──pause──► paused ──resume──► waiting ──► attempt
 *
 * DOM-free: `fetch`, the clock and the random source are passed in, so the
 * whole policy runs in plain Node tests. `EventSource` is not used because
 * it hides HTTP status codes, which tell "no credit service" from "server
 * stopped".
 */
import { Attempt } from './attempt';
import type { AttemptEnd, FetchFunction, IEndpoint } from './attempt';
import { systemClock } from './clock';
import type { IClock } from './clock';
import { parseCreditsEvent, parseRelayState } from '../model/payload';
import type { CreditsEvent } from '../model/payload';
import {
  STOP_CHECKS,
  STREAM_TIMINGS,
  backoffWindowMs,
  failingState,
  retryDelayMs
} from './policy';
import type { IStreamTimings } from './policy';
import { connectionStatus, nextStatus, sameStatus } from '../model/state';
import type { ConnectionState, IConnectionStatus } from '../model/state';

type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'attempt'; readonly attempt: Attempt }
  | { readonly name: 'waiting'; readonly timer: unknown }
  | { readonly name: 'paused' }
  | { readonly name: 'disposed' };

export class CreditsStream {
  constructor(options: CreditsStream.IOptions) {
    this._options = options;
    this._timings = { ...STREAM_TIMINGS, ...options.timings };
    this._clock = options.clock ?? systemClock;
    this._random = options.random ?? Math.random;
    this._status = connectionStatus('connecting', this._clock.now());
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
    return this._options.endpoints[this._endpointIndex];
  }

  get isDisposed(): boolean {
    return this._phase.name === 'disposed';
  }

  /**
   * Whether a connection is open, being opened or waiting for a retry.
   */
  get isActive(): boolean {
    return this._phase.name === 'attempt' || this._phase.name === 'waiting';
  }

  /**
   * Opens the stream. Calling it again while a connection is open, a retry
   * is scheduled or the stream is paused (even before it first started)
   * does nothing; after a terminal state it starts over.
   */
  start(): void {
    if (this._phase.name !== 'idle') {
      return;
    }
    this._sawEvent = false;
    this._failures = 0;
    this._endpointIndex = 0;
    this._attempt();
  }

  /**
   * Closes the connection without scheduling a retry, e.g. while the browser
   * is offline or the page is in the back/forward cache.
   */
  pause(reason: string): void {
    // A stream that never started pauses too: `start()` then waits for
    // `resume()` (a page that loads offline must not connect).
    const fresh = this._phase.name === 'idle' && this._attempts === 0;
    if (!this.isActive && !fresh) {
      return;
    }
    this._enter({ name: 'paused' });
    this._setStatus('offline', reason);
  }

  /**
   * Ends a pause: connects after `delayMs` (a little jitter spreads the
   * clients of a hub that all come back online at once).
   */
  resume(delayMs = 0): void {
    if (this._phase.name !== 'paused') {
      return;
    }
    const state =
      this._failures > 0 || this._sawEvent ? 'reconnecting' : 'connecting';
    this._wait(delayMs, state, '');
  }

  /**
   * Drops the current connection or pending retry and connects at once —
   * at most once per backoff window, whoever asks (a user, the page coming
   * back, a thousand messages from other tabs).
   */
  reconnect(): void {
    if (this._phase.name === 'disposed') {
      return;
    }
    const now = this._clock.now();
    if (now < this._reconnectAllowedAt) {
      return;
    }
    this._reconnectAllowedAt =
      now + backoffWindowMs(this._failures, this._timings);
    this._attempt();
  }

  /**
   * Closes the connection and cancels every timer; nothing fires afterwards.
   */
  dispose(): void {
    this._enter({ name: 'disposed' });
  }

  /**
   * Leaves the current phase (cancelling its attempt or timer) for `next`.
   */
  private _enter(next: Phase): void {
    const phase = this._phase;
    if (phase.name === 'disposed') {
      return;
    }
    if (phase.name === 'attempt') {
      phase.attempt.cancel();
    } else if (phase.name === 'waiting') {
      this._clock.clearTimeout(phase.timer);
    }
    this._phase = next;
  }

  private _attempt(): void {
    this._attempts++;
    const failing = this._failures > 0;
    this._setStatus(
      failing ? failingState(this._failures, this._timings) : 'connecting',
      failing ? this._status.reason : ''
    );
    const attempt: Attempt = new Attempt({
      endpoint: this.endpoint,
      fetch:
        (this.endpoint.via === 'relay' && this._options.relayFetch) ||
        this._options.fetch,
      credentials: this._options.credentials ?? 'same-origin',
      clock: this._clock,
      timings: this._timings,
      sawEvent: () => this._sawEvent,
      onOpen: () => this._setStatus(this._options.openState ?? 'live', ''),
      onData: (data, type) =>
        type === 'relay' ? this._onRelay(data) : this._onData(data),
      onEnd: (how, hintMs) => this._onEnd(how, hintMs)
    });
    this._enter({ name: 'attempt', attempt });
    attempt.start();
  }

  private _onData(data: string): void {
    const event = parseCreditsEvent(data);
    if (event.kind === 'stopped') {
      this._options.onEvent(event, data);
      this._finish('stopped', event.message);
      return;
    }
    if (event.kind === 'snapshot') {
      this._sawEvent = true;
      this._stopChecks = 0;
      if (this._failures > 0) {
        this._failures = 0;
        this._setStatus(this._options.openState ?? 'live', '');
      }
    }
    this._options.onEvent(event, data);
  }

  /**
   * The relay's word on its own connection to the hub.
   */
  private _onRelay(data: string): void {
    const relay = parseRelayState(data);
    // (`polling`: the relay reads the hub's list for this page, `?live=0`.)
    switch (relay?.state as string | undefined) {
      case 'live':
        this._setStatus('live', '');
        break;
      case 'polling':
        this._setStatus('polling', relay!.reason);
        break;
      case 'connecting':
      case 'reconnecting':
        // This page's connection is fine; the server's to the hub is not.
        this._setStatus(
          'reconnecting',
          `the server is reconnecting to the hub${relay!.reason ? `: ${relay!.reason}` : ''}`
        );
        break;
      case 'stopped':
        this._finish('stopped', relay!.reason || 'the server is not running');
        break;
      case 'unavailable':
        this._finish('unavailable', relay!.reason);
        break;
      case 'refused':
        this._finish(
          'unreachable',
          `${relay!.reason}; the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes`
        );
        break;
      default:
        this._options.onEvent({
          kind: 'invalid',
          reason: 'the relay sent a state this page does not know'
        });
    }
  }

  private _onEnd(how: AttemptEnd, hintMs: number): void {
    switch (how.kind) {
      case 'lost':
        this._retry(how.reason, hintMs);
        break;
      case 'retry':
        this._retry(how.reason, Math.max(how.notBeforeMs, hintMs));
        break;
      case 'busy':
        this._busy(how.reason, Math.max(how.notBeforeMs, hintMs));
        break;
      case 'refused':
        if (this._endpointIndex + 1 < this._options.endpoints.length) {
          // Refused this way: try the next way at once.
          this._endpointIndex++;
          this._attempt();
        } else {
          this._finish(how.finally ?? 'unauthorized', how.reason);
        }
        break;
      case 'end':
        if (
          how.state === 'stopped' &&
          this._failures > 0 &&
          this._stopChecks < STOP_CHECKS &&
          this.endpoint.via !== 'relay'
        ) {
          // The connection was lost without the hub's stop event: a hub that
          // is restarting answers 409/404 until it has checked its servers
          // again. Ask a few more times before calling the server stopped.
          // (Through the relay no check is needed: the server's own URL no
          // longer reaching it means it is gone; a hub restart leaves the
          // proxy's routes, and the relay, in place.)
          this._stopChecks++;
          this._retry(`${how.reason} (checking again)`, 0);
        } else {
          this._finish(how.state, how.reason);
        }
        break;
    }
  }

  /**
   * Waits (full jitter, never shorter than the hub asked), then tries again.
   * From the hub, the window is never shorter than the task interval: after
   * a hub restart, readers come back spread over it, not in a wave.
   */
  private _retry(reason: string, hintMs: number): void {
    const spread =
      this.endpoint.via === 'relay' ? 0 : (this._options.spreadMs?.() ?? 0);
    const timings =
      spread > this._timings.backoffBaseMs
        ? {
            ...this._timings,
            backoffBaseMs: spread,
            backoffCapMs: Math.max(spread, this._timings.backoffCapMs)
          }
        : this._timings;
    const delay = retryDelayMs(this._failures, hintMs, timings, this._random());
    this._failures++;
    this._wait(delay, failingState(this._failures, this._timings), reason);
  }

  /**
   * The relay has too many listeners: try again slowly, in [0.5, 1.5] × the
   * longest backoff (or later, if it asked).
   */
  private _busy(reason: string, hintMs: number): void {
    const delay = Math.max(
      Math.round(this._timings.backoffCapMs * (0.5 + this._random())),
      Math.min(hintMs, BUSY_HINT_MAX_MS)
    );
    this._failures++;
    this._wait(delay, 'busy', reason);
  }

  private _wait(delayMs: number, state: ConnectionState, reason: string): void {
    const timer = this._clock.setTimeout(() => this._attempt(), delayMs);
    this._enter({ name: 'waiting', timer });
    this._setStatus(state, reason, this._clock.now() + delayMs);
  }

  private _finish(state: ConnectionState, reason: string): void {
    this._enter({ name: 'idle' });
    this._setStatus(state, reason);
  }

  private _setStatus(
    state: ConnectionState,
    reason: string,
    nextAttemptAt: number | null = null
  ): void {
    const previous = this._status;
    this._status = nextStatus(previous, state, this._clock.now(), {
      reason,
      failures: this._failures,
      nextAttemptAt
    });
    if (!sameStatus(previous, this._status)) {
      this._options.onStatus(this._status);
    }
  }

  private _options: CreditsStream.IOptions;
  private _timings: IStreamTimings;
  private _clock: IClock;
  private _random: () => number;
  private _status: IConnectionStatus;
  private _phase: Phase = { name: 'idle' };
  private _failures = 0;
  private _attempts = 0;
  private _endpointIndex = 0;
  private _stopChecks = 0;
  private _sawEvent = false;
  private _reconnectAllowedAt = -Infinity;
}

export namespace CreditsStream {
  export interface IOptions {
    /**
     * Ways to reach the stream, tried in this order when the hub refuses
     * one (redirect to login, 401, 403); the first that opens is kept.
     */
    endpoints: readonly IEndpoint[];
    fetch: FetchFunction;
    /** The fetch for the relay (JupyterLab's own request to its server). */
    relayFetch?: FetchFunction;
    /** `same-origin` for a hub on the page's origin, `include` for a cross-origin hub. */
    credentials?: RequestCredentials;
    /** Every event in arrival order, with the hub's data it came from. */
    onEvent: (event: CreditsEvent, data?: string) => void;
    onStatus: (status: IConnectionStatus) => void;
    timings?: Partial<IStreamTimings>;
    clock?: IClock;
    /** Uniform in [0, 1); `Math.random` by default. */
    random?: () => number;
    /** The state once the stream opens: `polling` for the relay's `?live=0`. */
    openState?: 'live' | 'polling';
    /** The least retry window towards the hub (the inferred task interval). */
    spreadMs?: () => number;
  }
}

/**
 * The longest `Retry-After` of a busy relay honoured (an hour).
 */
const BUSY_HINT_MAX_MS = 3600000;
