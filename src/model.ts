/**
 * CreditsModel: what the views read.
 */
import type { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';
import type { CreditsEvent, ICreditEntry } from './payload';
import { estimate } from './predict';
import type { Estimate, IBalanceSample } from './predict';
import type { ConnectionState, IConnectionStatus } from './stream';

/**
 * The connection status, the latest credit entries and when they arrived.
 * Emits `stateChanged` on every change. DOM-free (a `VDomRenderer.IModel`
 * without the DOM), so it runs in plain Node too.
 */
export class CreditsModel {
  constructor(options: CreditsModel.IOptions = {}) {
    this._now = options.now ?? Date.now;
    this._log = options.log ?? ((message: string) => console.warn(message));
    this._maxHistory = options.maxHistory ?? 720;
    this._status = {
      state: 'connecting',
      reason: '',
      failures: 0,
      nextAttemptAt: null,
      since: this._now()
    };
  }

  /**
   * Emitted after every change.
   */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    Signal.clearData(this);
  }

  get status(): IConnectionStatus {
    return this._status;
  }

  get state(): ConnectionState {
    return this._status.state;
  }

  /**
   * The credit entries of the latest snapshot, empty before the first one.
   */
  get entries(): readonly ICreditEntry[] {
    return this._entries;
  }

  /**
   * When the latest snapshot arrived (ms since the epoch), `null` before.
   */
  get lastUpdate(): number | null {
    return this._lastUpdate;
  }

  /**
   * The hub's own words when it stopped the server, `''` otherwise.
   */
  get stopMessage(): string {
    return this._stopMessage;
  }

  /**
   * The credits that pay for this server over time (user + project of the
   * first entry), oldest first, at most `maxHistory` samples.
   */
  get history(): readonly IBalanceSample[] {
    return this._history;
  }

  /**
   * Burn rate and time to empty at `now`.
   */
  estimate(now = this._now()): Estimate {
    return estimate(this._history, now);
  }

  /**
   * Whether the status bar should show the item at all.
   */
  get visible(): boolean {
    return this.state !== 'unavailable' && this.state !== 'disabled';
  }

  setStatus(status: IConnectionStatus): void {
    this._status = status;
    this._stateChanged.emit();
  }

  /**
   * Applies one parsed stream event. An invalid event changes nothing; its
   * reason is logged the first time it is seen.
   */
  applyEvent(event: CreditsEvent): void {
    switch (event.kind) {
      case 'snapshot':
        this._entries = event.entries;
        this._lastUpdate = this._now();
        this._record(event.entries);
        this._stateChanged.emit();
        break;
      case 'stopped':
        this._stopMessage = event.message;
        this._stateChanged.emit();
        break;
      case 'invalid':
        if (!this._reasonsLogged.has(event.reason)) {
          this._reasonsLogged.add(event.reason);
          this._log(
            `jupyterlab-hub-credits: ignored an event: ${event.reason}`
          );
        }
        break;
    }
  }

  private _record(entries: readonly ICreditEntry[]): void {
    const paying = entries[0];
    if (!paying) {
      return;
    }
    this._history.push({
      t: this._lastUpdate!,
      available: paying.balance + (paying.project?.balance ?? 0)
    });
    if (this._history.length > this._maxHistory) {
      // Amortized trimming: drop the oldest quarter at once.
      this._history.splice(
        0,
        this._history.length - (this._maxHistory * 3) / 4
      );
    }
  }

  private _stateChanged = new Signal<this, void>(this);
  private _disposed = false;
  private _now: () => number;
  private _maxHistory: number;
  private _history: IBalanceSample[] = [];
  private _log: (message: string) => void;
  private _status: IConnectionStatus;
  private _entries: readonly ICreditEntry[] = [];
  private _lastUpdate: number | null = null;
  private _stopMessage = '';
  private _reasonsLogged = new Set<string>();
}

export namespace CreditsModel {
  export interface IOptions {
    now?: () => number;
    /** Where reasons for ignored events go; `console.warn` by default. */
    log?: (message: string) => void;
    /** Most balance samples kept (default 720: 12 h at one a minute). */
    maxHistory?: number;
  }
}

/**
 * Something that reacts to every change of a CreditsModel until disposed.
 */
export abstract class ModelWatcher implements IDisposable {
  constructor(protected readonly model: CreditsModel) {
    model.stateChanged.connect(this.onModelChanged, this);
  }

  get isDisposed(): boolean {
    return this._watcherDisposed;
  }

  dispose(): void {
    if (this._watcherDisposed) {
      return;
    }
    this._watcherDisposed = true;
    this.model.stateChanged.disconnect(this.onModelChanged, this);
  }

  protected abstract onModelChanged(model: CreditsModel): void;

  private _watcherDisposed = false;
}
