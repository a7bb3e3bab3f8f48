/**
 * The balance history across reloads and tabs: per hub, user and server,
 * in `localStorage`, bounded by count and age. A reload or a new tab has
 * the estimate at once, and the last known balance paints before the
 * stream answers (marked as not live yet).
 *
 * What is read back is untrusted (any script of the origin can write it):
 * samples are checked one by one, and the last snapshot goes through the
 * payload parser.
 */
import type { ISignal } from '@lumino/signaling';
import { systemClock } from '../connection/clock';
import type { IClock } from '../connection/clock';
import type { IHubLocation } from '../connection/hub';
import { parseCreditsEvent } from './payload';
import type { ICreditEntry } from './payload';
import type { IBalanceSample } from './estimate';

/**
 * The part of `Storage` this module needs.
 */
export interface IStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface IStoredHistory {
  readonly samples: IBalanceSample[];
  /** The last snapshot's entries, `null` when there is none. */
  readonly entries: readonly ICreditEntry[] | null;
  /** The hub's data of the last snapshot, as received. */
  readonly data: string | null;
}

export class HistoryStore {
  constructor(options: HistoryStore.IOptions) {
    this._storage = options.storage;
    this._key = HistoryStore.key(options.hub);
    this._maxSamples = options.maxSamples ?? 720;
    this._maxAgeMs = options.maxAgeMs ?? 24 * 3600 * 1000;
  }

  /**
   * The storage key of a hub, user and server.
   */
  /** The storage key of this store. */
  get key(): string {
    return this._key;
  }

  static key(hub: IHubLocation): string {
    return `jupyterlab-hub-credits:history:1:${JSON.stringify([
      hub.host,
      hub.prefix,
      hub.user,
      hub.serverName
    ])}`;
  }

  /**
   * What was stored, checked; `null` when nothing usable is there.
   */
  load(now: number): IStoredHistory | null {
    let value: unknown;
    try {
      value = JSON.parse(this._storage.getItem(this._key) ?? 'null');
    } catch {
      return null;
    }
    if (typeof value !== 'object' || value === null) {
      return null;
    }
    const { samples, data } = value as { samples?: unknown; data?: unknown };
    const kept: IBalanceSample[] = [];
    if (Array.isArray(samples)) {
      for (const pair of samples.slice(-this._maxSamples)) {
        if (
          Array.isArray(pair) &&
          pair.length === 2 &&
          pair.every(
            n => typeof n === 'number' && Number.isFinite(n) && n >= 0
          ) &&
          pair[0] >= now - this._maxAgeMs &&
          pair[0] <= now &&
          (kept.length === 0 || pair[0] >= kept[kept.length - 1].t)
        ) {
          kept.push(Object.freeze({ t: pair[0], available: pair[1] }));
        }
      }
    }
    const event = typeof data === 'string' ? parseCreditsEvent(data) : null;
    const entries = event?.kind === 'snapshot' ? event.entries : null;
    if (kept.length === 0 && entries === null) {
      return null;
    }
    return {
      samples: kept,
      entries,
      data: entries ? (data as string) : null
    };
  }

  /**
   * Stores the history (the newest samples within the age) and the last
   * snapshot's data. A full or refused storage loses only the history.
   */
  save(
    samples: readonly IBalanceSample[],
    data: string | null,
    now: number
  ): void {
    const kept = samples
      .filter(s => s.t >= now - this._maxAgeMs)
      .slice(-this._maxSamples)
      .map(s => [s.t, s.available]);
    try {
      this._storage.setItem(this._key, JSON.stringify({ samples: kept, data }));
    } catch {
      // Quota or privacy settings: the history lives in this tab only.
    }
  }

  private _storage: IStorage;
  private _key: string;
  private _maxSamples: number;
  private _maxAgeMs: number;
}

export namespace HistoryStore {
  export interface IOptions {
    storage: IStorage;
    hub: IHubLocation;
    /** At most this many samples (default 720: 12 h at one a minute). */
    maxSamples?: number;
    /** Samples older than this are dropped (default 24 h). */
    maxAgeMs?: number;
  }
}

/**
 * Keeps the model's history in storage for one hub, user and server:
 * restores it once when bound, then saves it as it grows, at most every
 * few seconds. Bind a new keeper when the hub changes; `dispose()` releases
 * the model's signal and the pending save.
 */
export class HistoryKeeper {
  constructor(options: HistoryKeeper.IOptions) {
    this._model = options.model;
    this._store = new HistoryStore({
      storage: options.storage,
      hub: options.hub
    });
    this._clock = options.clock ?? systemClock;
    this._delayMs = options.delayMs ?? 5000;
    const stored = this._store.load(this._clock.now());
    if (stored) {
      this._model.restore(stored.samples, stored.entries, stored.data);
    }
    this._saved = this._model.lastUpdate;
    this._model.stateChanged.connect(this._onChange, this);
  }

  /** The storage key of a hub, user and server. */
  static keyOf(hub: IHubLocation): string {
    return HistoryStore.key(hub);
  }

  /** The storage key this keeper writes. */
  get key(): string {
    return this._store.key;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._model.stateChanged.disconnect(this._onChange, this);
    if (this._timer !== null) {
      this._clock.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _onChange(): void {
    if (this._model.lastUpdate !== this._saved && this._timer === null) {
      this._saved = this._model.lastUpdate;
      this._timer = this._clock.setTimeout(() => {
        this._timer = null;
        this._store.save(
          this._model.history,
          this._model.lastData,
          this._clock.now()
        );
      }, this._delayMs);
    }
  }

  private _model: HistoryKeeper.IModel;
  private _store: HistoryStore;
  private _clock: IClock;
  private _delayMs: number;
  private _saved: number | null;
  private _timer: unknown = null;
  private _disposed = false;
}

export namespace HistoryKeeper {
  /** The part of the model the keeper reads and restores. */
  export interface IModel {
    readonly lastUpdate: number | null;
    readonly history: readonly IBalanceSample[];
    readonly lastData: string | null;
    readonly stateChanged: ISignal<unknown, unknown>;
    restore(
      samples: readonly IBalanceSample[],
      entries: readonly ICreditEntry[] | null,
      data: string | null
    ): void;
  }

  export interface IOptions {
    model: IModel;
    storage: IStorage;
    hub: IHubLocation;
    /** Saves at most this often (default 5 s). */
    delayMs?: number;
    clock?: IClock;
  }
}
