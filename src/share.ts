/**
 * One credits stream per browser: the tab holding a Web Lock streams and
 * broadcasts what it reads; the other tabs render the broadcasts. When the
 * leader tab closes, its lock is released and a waiting tab takes over.
 */
import type { IDisposable } from '@lumino/disposable';
import type { CreditsEvent } from './payload';
import type { IConnectionStatus } from './status';

/**
 * Where stream output goes: the model of this tab.
 */
export interface ICreditsSink {
  onEvent(event: CreditsEvent): void;
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
 * What travels over the BroadcastChannel.
 */
type Message =
  | { type: 'event'; event: CreditsEvent }
  | { type: 'status'; status: IConnectionStatus }
  | { type: 'hello' }
  | { type: 'reconnect' };

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
    channel.onmessage = event => this._onMessage(event.data as Message);
    channel.postMessage({ type: 'hello' } satisfies Message);
    void locks
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
      .catch(() => undefined);
  }

  /**
   * Reconnects the stream, wherever it runs.
   */
  reconnect(): void {
    if (this._stream) {
      this._stream.reconnect();
    } else {
      this._channel?.postMessage({ type: 'reconnect' } satisfies Message);
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._abort.abort();
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
    const { sink, createStream } = this._options;
    const post = (message: Message) => channel?.postMessage(message);
    this._stream = createStream({
      onEvent: event => {
        if (event.kind === 'snapshot') {
          this._lastSnapshot = event;
        }
        sink.onEvent(event);
        post({ type: 'event', event });
      },
      onStatus: status => {
        sink.onStatus(status);
        post({ type: 'status', status });
      }
    });
    this._options.onLeader?.(this._stream);
    sink.onStatus(this._stream.status);
    post({ type: 'status', status: this._stream.status });
    this._stream.start();
  }

  private _onMessage(message: Message): void {
    if (this._disposed) {
      return;
    }
    const { sink } = this._options;
    switch (message.type) {
      case 'event':
        if (!this._stream) {
          sink.onEvent(message.event);
        }
        break;
      case 'status':
        if (!this._stream) {
          sink.onStatus(message.status);
        }
        break;
      case 'hello':
        // A new tab: tell it where things stand.
        if (this._stream && this._channel) {
          this._channel.postMessage({
            type: 'status',
            status: this._stream.status
          } satisfies Message);
          if (this._lastSnapshot) {
            this._channel.postMessage({
              type: 'event',
              event: this._lastSnapshot
            } satisfies Message);
          }
        }
        break;
      case 'reconnect':
        this._stream?.reconnect();
        break;
    }
  }

  private _options: SharedCredits.IOptions;
  private _stream: ILeaderStream | null = null;
  private _channel: IChannel | null = null;
  private _lastSnapshot: CreditsEvent | null = null;
  private _release: (() => void) | null = null;
  private _abort = new AbortController();
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
  }
}
