/**
 * Polls the hub's credit list, `GET {host}{prefix}api/credits`, with the
 * page's token in the Authorization header (never the cookie alone: the
 * hub wants its XSRF token for cookie-authenticated API requests, which a
 * JupyterLab page cannot read). Each answer becomes the event the stream
 * would have sent: the per-server snapshot of the entry that pays (see
 * `entries.ts`), or the whole list for the per-user view.
 *
 * The waits come from the caller (`periodMs`, jittered here), so a hub
 * coming back after an outage gets polls spread over the period.
 */
import { authHeaders } from './trust';
import type { FetchFunction } from './attempt';
import type { IClock } from './clock';
import {
  chooseEntry,
  choiceReason,
  matchEntry,
  parseList,
  serverSnapshot
} from './entries';
import type { IListEntry } from './entries';
import { parseCreditsEvent } from '../model/payload';
import type { CreditsEvent, ICreditEntry } from '../model/payload';
import { classify, failingState, retryAfterMs } from './policy';
import type { IStreamTimings } from './policy';
import { connectionStatus, nextStatus, sameStatus } from '../model/state';
import type { ConnectionState, IConnectionStatus } from '../model/state';

/**
 * What one poll answer means.
 */
export type PollVerdict =
  | { readonly kind: 'list'; readonly entries: IListEntry[] }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly notBeforeMs: number;
    }
  | { readonly kind: 'refused'; readonly reason: string }
  | {
      readonly kind: 'end';
      readonly state: 'unavailable' | 'unreachable' | 'stopped';
      readonly reason: string;
    };

/**
 * The status policy for a poll of the list: a 404 with a JSON body (the
 * credit service's "no entry") and an empty list mean the server is free;
 * a redirect, 401, 403 or a login page mean this way in is refused;
 * anything else as for the stream.
 */
export async function classifyPoll(
  response: Response,
  now: number
): Promise<PollVerdict> {
  const type = (response.headers.get('Content-Type') ?? '').toLowerCase();
  const json = type.startsWith('application/json');
  if (response.status === 404 && json) {
    // As the relay reads it: "no credit entry" means free; anything else
    // (credits disabled, no credit service) is not a free server.
    const text = await response.text().catch(() => '');
    if (text.includes('credit entry')) {
      return { kind: 'list', entries: [] };
    }
    return {
      kind: 'end',
      state: 'unavailable',
      reason: text.includes('disabled')
        ? 'credits are disabled on this hub'
        : 'the hub has no credit service (HTTP 404)'
    };
  }
  if (response.status === 200 && json) {
    const entries = parseList(await response.text());
    return entries
      ? { kind: 'list', entries }
      : {
          kind: 'retry',
          reason: 'the hub answered no credit list',
          notBeforeMs: 0
        };
  }
  if (response.status === 200 && !type.startsWith('text/html')) {
    return {
      kind: 'end',
      state: 'unavailable',
      reason: `the hub did not answer with a credit list (${type || 'no content type'})`
    };
  }
  // A 200 here is a login page: `classify` refuses it as such.
  const verdict = classify(response, false, now);
  switch (verdict.kind) {
    case 'open':
      return { kind: 'refused', reason: 'the hub answered with a login page' };
    case 'retry':
      return {
        kind: 'retry',
        reason: verdict.reason,
        notBeforeMs: Math.max(
          verdict.notBeforeMs,
          retryAfterMs(response.headers.get('Retry-After'), now)
        )
      };
    default:
      return verdict;
  }
}

/**
 * The relay's refusal when it has too many listeners: HTTP 503 with the
 * header `X-Hub-Credits-Busy`. `null` for any other answer.
 */
export function classifyBusy(
  response: { status: number; headers: { get(name: string): string | null } },
  now: number
): BusyVerdict | null {
  if (response.status !== 503 || !response.headers.get('X-Hub-Credits-Busy')) {
    return null;
  }
  return {
    kind: 'busy',
    reason: 'the Jupyter server has too many credit readers open',
    notBeforeMs: retryAfterMs(response.headers.get('Retry-After'), now)
  };
}

/**
 * A busy relay: retried slowly, shown as `busy`.
 */
export type BusyVerdict = {
  readonly kind: 'busy';
  readonly reason: string;
  readonly notBeforeMs: number;
};

export class CreditsPoller {
  constructor(options: CreditsPoller.IOptions) {
    this._options = options;
    this._status = connectionStatus('connecting', options.clock.now());
  }

  get status(): IConnectionStatus {
    return this._status;
  }

  /**
   * Whether a poll runs or is scheduled.
   */
  get isActive(): boolean {
    return this._timer !== null || this._controller !== null;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Polls now, then every jittered period.
   */
  start(): void {
    if (this._disposed || this._paused || this.isActive) {
      return;
    }
    void this._poll();
  }

  pause(reason: string): void {
    if (this._disposed) {
      return;
    }
    this._stop();
    this._paused = true;
    this._setStatus('offline', reason);
  }

  resume(delayMs = 0): void {
    if (!this._paused || this._disposed) {
      return;
    }
    this._paused = false;
    this._schedule(delayMs, 'reconnecting', '');
  }

  /**
   * Polls again now, at most once per period, whoever asks.
   */
  reconnect(): void {
    const now = this._options.clock.now();
    if (this._disposed || this._paused || now < this._reconnectAllowedAt) {
      return;
    }
    this._reconnectAllowedAt = now + this._options.periodMs();
    this._stop();
    void this._poll();
  }

  dispose(): void {
    this._disposed = true;
    this._stop();
  }

  private _stop(): void {
    if (this._timer !== null) {
      this._options.clock.clearTimeout(this._timer);
      this._timer = null;
    }
    this._controller?.abort();
    this._controller = null;
  }

  private async _poll(): Promise<void> {
    const { url, token, fetch, clock } = this._options;
    const controller = new AbortController();
    this._controller = controller;
    const timeout = clock.setTimeout(
      () => controller.abort(),
      this._options.timings.connectTimeoutMs
    );
    let verdict: PollVerdict;
    try {
      const response = await fetch(url, {
        method: 'GET',
        headers: authHeaders(token, { Accept: 'application/json' }),
        credentials: 'omit',
        redirect: 'manual',
        cache: 'no-store',
        signal: controller.signal
      });
      verdict = await classifyPoll(response, clock.now());
    } catch (error) {
      verdict = {
        kind: 'retry',
        reason: `network error: ${error instanceof Error ? error.message : String(error)}`,
        notBeforeMs: 0
      };
    } finally {
      clock.clearTimeout(timeout);
    }
    if (this._controller !== controller || this._disposed) {
      return;
    }
    this._controller = null;
    this._onVerdict(verdict);
  }

  private _onVerdict(verdict: PollVerdict): void {
    switch (verdict.kind) {
      case 'list':
        this._failures = 0;
        this._deliver(verdict.entries);
        this._schedule(0, 'polling', this._reason);
        break;
      case 'retry':
        this._failures++;
        this._schedule(
          verdict.notBeforeMs,
          failingState(this._failures, this._options.timings),
          verdict.reason
        );
        break;
      case 'refused':
        this._setStatus('reconnecting', verdict.reason);
        this._options.onRefused(verdict.reason);
        break;
      case 'end':
        this._setStatus(verdict.state, verdict.reason);
        break;
    }
  }

  /**
   * The list as the event the stream would have sent.
   */
  private _deliver(entries: IListEntry[]): void {
    const { memory } = this._options;
    let data: string;
    if (this._options.shape === 'user') {
      data = JSON.stringify(entries.map(e => e.raw));
      this._reason = '';
    } else {
      // A new match when the stream showed a snapshot since; else the last.
      memory.matched =
        matchEntry(entries, memory.snapshot, memory.matched) ?? memory.matched;
      memory.snapshot = null;
      const choice = chooseEntry(entries, memory.matched);
      // No entry pays: the server is free (an empty snapshot list).
      data = choice ? serverSnapshot(choice.entry) : '[]';
      this._reason = choiceReason(choice);
    }
    this._options.onEvent(parseCreditsEvent(data), data);
  }

  /**
   * The next poll after the period (at least `notBeforeMs`), jittered
   * uniformly in [0.5, 1.5] × the period.
   */
  private _schedule(
    notBeforeMs: number,
    state: ConnectionState,
    reason: string
  ): void {
    const { clock, random, periodMs } = this._options;
    const delay = Math.max(
      Math.round(periodMs() * (0.5 + random())),
      notBeforeMs
    );
    this._timer = clock.setTimeout(() => {
      this._timer = null;
      void this._poll();
    }, delay);
    this._setStatus(state, reason, clock.now() + delay);
  }

  private _setStatus(
    state: ConnectionState,
    reason: string,
    nextAttemptAt: number | null = null
  ): void {
    const previous = this._status;
    this._status = nextStatus(previous, state, this._options.clock.now(), {
      reason,
      failures: this._failures,
      nextAttemptAt
    });
    if (!sameStatus(previous, this._status)) {
      this._options.onStatus(this._status);
    }
  }

  private _options: CreditsPoller.IOptions;
  private _status: IConnectionStatus;
  private _timer: unknown = null;
  private _controller: AbortController | null = null;
  private _failures = 0;
  private _paused = false;
  private _disposed = false;
  private _reason = '';
  private _reconnectAllowedAt = -Infinity;
}

/**
 * What the reader remembers between polls and streams: the last per-server
 * snapshot streamed (to match against the next list) and the entry matched.
 */
export interface IEntryMemory {
  snapshot: ICreditEntry | null;
  matched: string | null;
}

export namespace CreditsPoller {
  export interface IOptions {
    /** `{host}{prefix}api/credits`. */
    url: string;
    /** The page's hub token: sent only as `Authorization: token …`. */
    token: string;
    fetch: FetchFunction;
    /** `server`: the paying entry as a per-server snapshot; `user`: the list. */
    shape: 'server' | 'user';
    memory: IEntryMemory;
    clock: IClock;
    /** Uniform in [0, 1). */
    random: () => number;
    timings: IStreamTimings;
    /** The period (before jitter), asked before each wait. */
    periodMs: () => number;
    onEvent: (event: CreditsEvent, data: string) => void;
    onStatus: (status: IConnectionStatus) => void;
    /** The hub refused the token (or there is none that works). */
    onRefused: (reason: string) => void;
  }
}
