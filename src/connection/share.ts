/**
 * One credits stream per browser: the tab holding a Web Lock streams and
 * broadcasts what it reads; the other tabs render the broadcasts. When the
 * leader tab closes, its lock is released and a waiting tab takes over; when
 * it freezes (its messages stop), a follower takes over without the lock.
 *
 * Every tab of the origin can post on the channel (without subdomains, every
 * user's server shares one origin): followers check each message as
 * strictly as a hub payload — hub data goes through the payload parser
 * itself — and ignore what fails.
 */
import type { IDisposable } from '@lumino/disposable';
import { systemClock } from './clock';
import protocol from './protocol.json';
import type { IClock } from './clock';
import { parseCreditsEvent } from '../model/payload';
import type { CreditsEvent } from '../model/payload';
import { connectionStatus } from '../model/state';
import type { ConnectionState, IConnectionStatus } from '../model/state';

/**
 * Where stream output goes: the model of this tab.
 */
export interface ICreditsSink {
  /** `data`: the hub's own event data, when the event came from the hub. */
  onEvent(event: CreditsEvent, data?: string): void;
  onStatus(status: IConnectionStatus): void;
}

/**
 * A stream as the sharing layer drives it.
 */
export interface ILeaderStream extends IDisposable {
  readonly status: IConnectionStatus;
  start(): void;
  reconnect(): void;
}

/**
 * The channel protocol's version: a message of another version is ignored.
 */
export const PROTOCOL = 1;

/**
 * What travels over the BroadcastChannel.
 */
type Message =
  | { v: 1; type: 'data'; data: string }
  | { v: 1; type: 'status'; status: IConnectionStatus }
  | { v: 1; type: 'beat' }
  | { v: 1; type: 'hello' }
  | { v: 1; type: 'reconnect' };

/**
 * The minimal Web Locks API this module needs.
 */
export interface ILocks {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void>
  ): Promise<unknown>;
}

/**
 * The minimal BroadcastChannel this module needs.
 */
export interface IChannel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

export class SharedCredits implements IDisposable {
  constructor(options: SharedCredits.IOptions) {
    this._options = options;
    this._clock = options.clock ?? systemClock;
    this._beatMs = options.beatMs ?? 8000;
    this._silenceMs = options.silenceMs ?? 24000;
    this._log = options.log ?? (message => console.warn(message));
  }

  /**
   * Whether this tab holds the stream.
   */
  get isLeader(): boolean {
    return this._stream !== null;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Joins the tabs of this key: streams at once when no other tab does,
   * else listens and waits for the lock.
   */
  start(): void {
    const { key, locks, openChannel } = this._options;
    const channel = locks ? openChannel(key) : null;
    if (!locks || !channel) {
      // No Web Locks (insecure context) or no BroadcastChannel: stream alone.
      this._lead(null);
      return;
    }
    this._channel = channel;
    channel.onmessage = event => this._onMessage(event.data);
    this._post({ v: 1, type: 'hello' });
    this._watch();
    locks
      .request(
        `jupyterlab-hub-credits:${key}`,
        { signal: this._abort.signal },
        () =>
          new Promise<void>(release => {
            if (this._disposed) {
              release();
              return;
            }
            this._release = release;
            this._lead(channel);
          })
      )
      .catch(() => {
        // A refused lock request: stream alone rather than wait for ever.
        if (!this._disposed && !this._stream) {
          this._lead(channel);
        }
      });
  }

  /**
   * Reconnects the stream, wherever it runs.
   */
  reconnect(): void {
    if (this._stream) {
      this._stream.reconnect();
    } else {
      this._post({ v: 1, type: 'reconnect' });
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._abort.abort();
    this._clearTimer();
    this._stream?.dispose();
    this._stream = null;
    if (this._channel) {
      this._channel.onmessage = null;
      this._channel.close();
      this._channel = null;
    }
    this._release?.();
    this._release = null;
  }

  private _lead(channel: IChannel | null): void {
    if (this._stream) {
      return;
    }
    const { sink, createStream } = this._options;
    this._clearTimer();
    this._stream = createStream({
      onEvent: (event, data) => {
        sink.onEvent(event, data);
        if (data !== undefined && event.kind !== 'invalid') {
          if (event.kind === 'snapshot') {
            this._lastData = data;
          }
          this._post({ v: 1, type: 'data', data });
        }
      },
      onStatus: status => {
        sink.onStatus(status);
        this._post({ v: 1, type: 'status', status });
      }
    });
    this._options.onLeader?.(this._stream);
    sink.onStatus(this._stream.status);
    this._post({ v: 1, type: 'status', status: this._stream.status });
    this._stream.start();
    if (channel) {
      this._beat();
    }
  }

  /**
   * The leader's heartbeat: followers know it is alive between hub events.
   */
  private _beat(): void {
    this._timer = this._clock.setTimeout(() => {
      this._post({ v: 1, type: 'beat' });
      this._beat();
    }, this._beatMs);
  }

  /**
   * A follower's watch: a leader silent for `silenceMs` is frozen or gone
   * without releasing its lock; mark what this tab shows as stale and
   * stream here.
   */
  private _watch(): void {
    this._clearTimer();
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      if (this._disposed || this._stream) {
        return;
      }
      this._options.sink.onStatus(
        connectionStatus('reconnecting', this._clock.now(), {
          reason: 'the tab that reads the credits stopped answering'
        })
      );
      this._lead(this._channel);
    }, this._silenceMs);
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      this._clock.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _post(message: Message): void {
    this._channel?.postMessage(message);
  }

  private _onMessage(value: unknown): void {
    if (this._disposed) {
      return;
    }
    const message = Private.message(value);
    if (typeof message === 'string') {
      this._reject(message);
      return;
    }
    const { sink } = this._options;
    const follower = this._stream === null;
    if (follower && message.type !== 'hello' && message.type !== 'reconnect') {
      // Any word from the leader: it is alive.
      this._watch();
    }
    switch (message.type) {
      case 'data':
        if (follower) {
          const event = parseCreditsEvent(message.data);
          if (event.kind === 'invalid') {
            this._reject(`hub data: ${event.reason}`);
          } else {
            sink.onEvent(event, message.data);
          }
        }
        break;
      case 'status':
        if (follower) {
          sink.onStatus(message.status);
        }
        break;
      case 'hello':
        // A new tab: tell it where things stand.
        if (this._stream) {
          this._post({ v: 1, type: 'status', status: this._stream.status });
          if (this._lastData !== null) {
            this._post({ v: 1, type: 'data', data: this._lastData });
          }
        }
        break;
      case 'reconnect':
        // The stream allows one reconnect per backoff window, whoever asks.
        this._stream?.reconnect();
        break;
      case 'beat':
        break;
    }
  }

  /**
   * Logs why a message was ignored, once per reason (and at most a few).
   */
  private _reject(reason: string): void {
    if (this._rejected.size < 10 && !this._rejected.has(reason)) {
      this._rejected.add(reason);
      this._log(
        `jupyterlab-hub-credits: ignored a message from another tab: ${reason}`
      );
    }
  }

  private _options: SharedCredits.IOptions;
  private _clock: IClock;
  private _beatMs: number;
  private _silenceMs: number;
  private _log: (message: string) => void;
  private _stream: ILeaderStream | null = null;
  private _channel: IChannel | null = null;
  private _lastData: string | null = null;
  private _release: (() => void) | null = null;
  private _timer: unknown = null;
  private _abort = new AbortController();
  private _rejected = new Set<string>();
  private _disposed = false;
}

export namespace SharedCredits {
  export interface IOptions {
    /** Tabs with the same key share one stream (e.g. the stream URL). */
    key: string;
    sink: ICreditsSink;
    /** Builds the stream when this tab becomes the leader. */
    createStream: (sink: ICreditsSink) => ILeaderStream;
    /** `navigator.locks`, or `null` to stream in every tab. */
    locks: ILocks | null;
    openChannel: (name: string) => IChannel | null;
    /** Called with the stream when this tab starts leading. */
    onLeader?: (stream: ILeaderStream) => void;
    clock?: IClock;
    /** The leader's heartbeat period (default 8 s, the hub's keepalive). */
    beatMs?: number;
    /** A follower takes over after this much silence (default 24 s). */
    silenceMs?: number;
    /** Where reasons for ignored messages go; `console.warn` by default. */
    log?: (message: string) => void;
  }
}

namespace Private {
  const STATES: ReadonlySet<ConnectionState> = new Set<ConnectionState>([
    'connecting',
    'live',
    'reconnecting',
    'offline',
    'unavailable',
    'unauthorized',
    'unreachable',
    'stopped',
    'disabled'
  ]);

  /** No event the hub sends comes near this (1 MB). */
  export const MAX_DATA = protocol.maxEventBytes;

  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

  const isTime = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0;

  /**
   * A channel message, checked field by field; or why it was rejected.
   */
  export function message(value: unknown): Message | string {
    if (!isRecord(value)) {
      return 'not an object';
    }
    if (value.v !== PROTOCOL) {
      return `protocol ${String(value.v).slice(0, 20)}, not ${PROTOCOL}`;
    }
    switch (value.type) {
      case 'hello':
      case 'reconnect':
      case 'beat':
        return { v: 1, type: value.type };
      case 'data':
        if (typeof value.data !== 'string' || value.data.length > MAX_DATA) {
          return 'data is not a string of at most 1 MB';
        }
        return { v: 1, type: 'data', data: value.data };
      case 'status': {
        const status = connectionStatusOf(value.status);
        return status ?? 'not a connection status';
      }
      default:
        return 'unknown type';
    }
  }

  export function connectionStatusOf(value: unknown): Message | null {
    if (
      !isRecord(value) ||
      typeof value.state !== 'string' ||
      !STATES.has(value.state as ConnectionState) ||
      typeof value.reason !== 'string' ||
      value.reason.length > 1000 ||
      !Number.isSafeInteger(value.failures) ||
      (value.failures as number) < 0 ||
      !(value.nextAttemptAt === null || isTime(value.nextAttemptAt)) ||
      !isTime(value.since)
    ) {
      return null;
    }
    return {
      v: 1,
      type: 'status',
      status: connectionStatus(value.state as ConnectionState, value.since, {
        reason: value.reason,
        failures: value.failures as number,
        nextAttemptAt: value.nextAttemptAt as number | null
      })
    };
  }
}
