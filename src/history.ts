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
import type { IHubLocation } from './hub';
import { parseCreditsEvent } from './payload';
import type { ICreditEntry } from './payload';
import type { IBalanceSample } from './predict';

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
