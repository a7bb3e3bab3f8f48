/**
 * Ties a stream to the life of the browser page: offline pauses, online
 * resumes soon, the back/forward cache closes and reopens, and a tab that
 * becomes visible with a dead connection reconnects at once.
 */
import type { IDisposable } from '@lumino/disposable';
import type { IConnectionStatus } from '../model/state';

/**
 * What the page's life drives: the stream, or the leader's reader.
 */
export interface ILifecycleTarget {
  readonly status: IConnectionStatus;
  /** A connection is open, being opened or waiting for a retry. */
  readonly isActive: boolean;
  pause(reason: string): void;
  resume(delayMs?: number): void;
  reconnect(): void;
}

/**
 * The part of `window` this module listens to, injectable for tests.
 */
export interface IPageEvents {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

export class PageLifecycle implements IDisposable {
  constructor(options: PageLifecycle.IOptions) {
    this._stream = options.stream;
    this._window = options.window;
    this._document = options.document;
    this._random = options.random ?? Math.random;
    this._onlineJitterMs = options.onlineJitterMs ?? 1000;
    this._window.addEventListener('offline', this._onOffline);
    this._window.addEventListener('online', this._onOnline);
    this._window.addEventListener('pagehide', this._onPageHide);
    this._window.addEventListener('pageshow', this._onPageShow);
    this._document.addEventListener('visibilitychange', this._onVisibility);
    if (options.online === false) {
      this._stream.pause('the browser is offline');
    }
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._window.removeEventListener('offline', this._onOffline);
    this._window.removeEventListener('online', this._onOnline);
    this._window.removeEventListener('pagehide', this._onPageHide);
    this._window.removeEventListener('pageshow', this._onPageShow);
    this._document.removeEventListener('visibilitychange', this._onVisibility);
  }

  private _onOffline = () => {
    this._stream.pause('the browser is offline');
  };

  private _onOnline = () => {
    this._stream.resume(Math.floor(this._random() * this._onlineJitterMs));
  };

  private _onPageHide = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) {
      this._stream.pause('the page is in the back/forward cache');
    }
  };

  private _onPageShow = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) {
      this._stream.resume(0);
    }
  };

  private _onVisibility = () => {
    const state = this._stream.status.state;
    if (
      this._document.visibilityState === 'visible' &&
      (state === 'reconnecting' || state === 'offline') &&
      this._stream.isActive
    ) {
      this._stream.reconnect();
    }
  };

  private _stream: ILifecycleTarget;
  private _window: IPageEvents;
  private _document: IPageEvents & { visibilityState: string };
  private _random: () => number;
  private _onlineJitterMs: number;
  private _disposed = false;
}

export namespace PageLifecycle {
  export interface IOptions {
    stream: ILifecycleTarget;
    window: IPageEvents;
    document: IPageEvents & { visibilityState: string };
    /** `navigator.onLine` at start. */
    online?: boolean;
    random?: () => number;
    /** `online` resumes after a random delay below this. */
    onlineJitterMs?: number;
  }
}
