/**
 * One attempt at the credits stream: one request, its response, its body,
 * its timers. It ends exactly once, and `cancel()` ends it silently: after
 * either, nothing of it fires any more.
 */
import { createParser } from 'eventsource-parser';
import { authHeaders } from './trust';
import type { IClock } from './clock';
import { classify } from './policy';
import { classifyBusy } from './poll';
import type { BusyVerdict } from './poll';
import protocol from './protocol.json';
import type { IStreamTimings, Verdict } from './policy';

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
  /** `relay`: the single-user server's relay, asked as JupyterLab asks its server. */
  readonly via?: 'hub' | 'relay';
  /** The hub is on another origin: a network error there means "no CORS". */
  readonly crossOrigin?: boolean;
}

export type FetchFunction = (
  input: string,
  init: RequestInit
) => Promise<Response>;

/**
 * How an attempt ended: the hub's verdict on the response (anything but
 * `open`), or the connection failed or ended (`lost`).
 */
export type AttemptEnd =
  | Exclude<Verdict, { kind: 'open' }>
  | BusyVerdict
  | { readonly kind: 'lost'; readonly reason: string };

export class Attempt {
  constructor(options: Attempt.IOptions) {
    this._options = options;
  }

  /**
   * Sends the request. (Not in the constructor: an attempt that fails at
   * once must already be the stream's current one.)
   */
  start(): void {
    this._arm(
      this._options.timings.connectTimeoutMs,
      'no response from the hub'
    );
    void this._run();
  }

  /**
   * Whether the attempt has ended or was cancelled.
   */
  get isOver(): boolean {
    return this._over;
  }

  /**
   * Ends the attempt without a word: aborts the request, releases the body,
   * stops the timer.
   */
  cancel(): void {
    if (this._over) {
      return;
    }
    this._over = true;
    this._controller.abort();
    // Release the body even when the fetch in use ignores the abort signal.
    this._reader?.cancel().catch(() => undefined);
    this._reader = null;
    if (this._timer !== null) {
      this._options.clock.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _end(how: AttemptEnd): void {
    if (!this._over) {
      this.cancel();
      this._options.onEnd(how, this._retryHintMs);
    }
  }

  private async _run(): Promise<void> {
    const { endpoint, clock, sawEvent } = this._options;
    let response: Response;
    try {
      response = await this._options.fetch(endpoint.url, {
        method: 'GET',
        headers: authHeaders(endpoint.token, { Accept: 'text/event-stream' }),
        credentials: this._options.credentials,
        redirect: 'manual',
        cache: 'no-store',
        signal: this._controller.signal
      });
    } catch (error) {
      this._end(
        endpoint.crossOrigin && !this._over
          ? {
              // Fails before any status: the hub answers no CORS here.
              kind: 'refused',
              reason: `the hub cannot be read from this page's origin (${message(error)})`,
              finally: 'unreachable'
            }
          : { kind: 'lost', reason: `network error: ${message(error)}` }
      );
      return;
    }
    const relay = endpoint.via === 'relay';
    const verdict = this._over
      ? null
      : (relay && classifyBusy(response, clock.now())) ||
        classify(response, sawEvent(), clock.now(), relay);
    if (verdict?.kind !== 'open') {
      void discard(response);
      if (verdict) {
        this._end(verdict);
      }
      return;
    }
    this._alive();
    this._options.onOpen();
    await this._read(response.body!);
  }

  private async _read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: event => {
        this._eventBytes = 0;
        if (!this._over) {
          this._options.onData(event.data, event.event ?? '');
        }
      },
      onRetry: ms => {
        // Applies to the wait after this connection, never to later ones.
        this._retryHintMs = ms;
      }
    });
    const reader = body.getReader();
    this._reader = reader;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this._over) {
          return;
        }
        if (done) {
          parser.feed(decoder.decode());
          break;
        }
        this._alive();
        const text = decoder.decode(value, { stream: true });
        if (this._tooLong(text)) {
          this._end({
            kind: 'lost',
            reason: 'a line or event from the hub is larger than 1 MB'
          });
          return;
        }
        parser.feed(text);
      }
    } catch (error) {
      this._end({ kind: 'lost', reason: `connection lost: ${message(error)}` });
      return;
    }
    this._end({ kind: 'lost', reason: 'the hub closed the stream' });
  }

  /**
   * Whether a line or an event grows past `MAX_EVENT` with this text: a
   * stream that never ends a line would grow the parser's buffer for ever
   * (and every byte re-arms the watchdog).
   */
  private _tooLong(text: string): boolean {
    const joined = this._tail + text;
    // lastIndexOf, not a regex: this runs on every chunk.
    const line = Math.max(joined.lastIndexOf('\n'), joined.lastIndexOf('\r'));
    this._lineBytes =
      line >= 0 ? joined.length - line - 1 : this._lineBytes + text.length;
    const blank = Private.lastBlankLine(joined);
    this._eventBytes =
      blank >= 0 ? joined.length - blank : this._eventBytes + text.length;
    this._tail = joined.slice(-2);
    return this._lineBytes > MAX_EVENT || this._eventBytes > MAX_EVENT;
  }

  /**
   * Every byte counts as life: keepalives never reach `onData`.
   */
  private _alive(): void {
    this._arm(this._options.timings.heartbeatTimeoutMs, 'the hub went silent');
  }

  /**
   * (Re)starts the one timer of this attempt: connect timeout, then watchdog.
   */
  private _arm(ms: number, reason: string): void {
    const { clock } = this._options;
    if (this._over) {
      return;
    }
    if (this._timer !== null) {
      clock.clearTimeout(this._timer);
    }
    this._timer = clock.setTimeout(() => {
      this._timer = null;
      this._end({ kind: 'lost', reason });
    }, ms);
  }

  private _options: Attempt.IOptions;
  private _controller = new AbortController();
  private _reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private _timer: unknown = null;
  private _retryHintMs = 0;
  private _over = false;
  private _tail = '';
  private _lineBytes = 0;
  private _eventBytes = 0;
}

/**
 * The longest line or event taken from the hub (1 MB; real ones are tiny).
 */
export const MAX_EVENT = protocol.maxEventBytes;

namespace Private {
  /**
   * Where the last blank line (an event boundary) of `text` ends, or -1.
   */
  export function lastBlankLine(text: string): number {
    let end = -1;
    for (const match of text.matchAll(/\r\n\r\n|\n\n|\r\r|\n\r\n|\r\n\n/g)) {
      end = match.index! + match[0].length;
    }
    return end;
  }
}

export namespace Attempt {
  export interface IOptions {
    endpoint: IEndpoint;
    /** The fetch for this endpoint (the relay's adds the server's auth). */
    fetch: FetchFunction;
    credentials: RequestCredentials;
    clock: IClock;
    timings: IStreamTimings;
    /** Whether the stream has delivered a snapshot (a 404 then means "gone"). */
    sawEvent: () => boolean;
    /** The hub answered with an event stream. */
    onOpen: () => void;
    /** The `data` and type (`''`, or `relay` from the relay) of each event. */
    onData: (data: string, type: string) => void;
    /** Once, unless cancelled; `retryHintMs` is the stream's `retry:` (0 if none). */
    onEnd: (how: AttemptEnd, retryHintMs: number) => void;
  }
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to clean up.
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
