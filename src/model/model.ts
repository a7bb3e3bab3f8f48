/**
 * CreditsModel: the one owner of what is shown — connection state, entries,
 * the shown entries' level, history and estimate. Only the core plugin
 * holds it; every other plugin and extension gets `readonlyCredits(model)`.
 */
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';
import type { IHubLocation } from '../connection/hub';
import { available, selectEntries, worstLevel } from './levels';
import type { IThresholds, Level } from './levels';
import type { CreditsEvent, ICreditEntry } from './payload';
import { connectionStatus, isFresh } from './state';
import type { ConnectionState, IConnectionStatus } from './state';
import type { Estimate, IBalanceSample } from './estimate';
import type { ICreditsModel } from '../tokens';

/**
 * Computes the estimate from the history; loaded after the first snapshot.
 */
export type Estimator = (
  samples: readonly IBalanceSample[],
  now: number,
  entries: readonly ICreditEntry[]
) => Estimate;

/**
 * What the settings say about the shown entries and their level.
 */
export interface IModelOptions extends IThresholds {
  /** Entry names to show; empty shows all. */
  readonly entries: readonly string[];
}

const UNKNOWN: Estimate = Object.freeze({ kind: 'unknown' });

export class CreditsModel implements Omit<ICreditsModel, 'stateChanged'> {
  constructor(options: CreditsModel.IOptions = {}) {
    this._now = options.now ?? Date.now;
    this._log = options.log ?? ((message: string) => console.warn(message));
    this._maxHistory = options.maxHistory ?? 720;
    this._status = connectionStatus('connecting', this._now());
  }

  /**
   * Emitted after every change.
   */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get status(): IConnectionStatus {
    return this._status;
  }

  get state(): ConnectionState {
    return this._status.state;
  }

  get entries(): readonly ICreditEntry[] {
    return this._entries;
  }

  get shown(): readonly ICreditEntry[] {
    return selectEntries(this._entries, this._options.entries);
  }

  get level(): Level {
    return isFresh(this.state) ? worstLevel(this.shown, this._options) : 'ok';
  }

  get thresholds(): IThresholds {
    return this._options;
  }

  get lastUpdate(): number | null {
    return this._lastUpdate;
  }

  get stopMessage(): string {
    return this._stopMessage;
  }

  get history(): readonly IBalanceSample[] {
    // A frozen copy, made once per change: readers cannot rewrite history.
    this._historyView ??= Object.freeze(this._history.slice());
    return this._historyView;
  }

  get visible(): boolean {
    return this.state !== 'unavailable' && this.state !== 'disabled';
  }

  get hub(): IHubLocation | null {
    return this._hub;
  }

  estimate(now = this._now()): Estimate {
    return this._estimator
      ? this._estimator(this._history, now, this._entries)
      : UNKNOWN;
  }

  /**
   * Which entries to show and the thresholds of their level.
   */
  configure(options: IModelOptions, hub: IHubLocation | null): void {
    this._options = Object.freeze({
      entries: Object.freeze([...options.entries]),
      warningPercent: options.warningPercent,
      criticalPercent: options.criticalPercent
    });
    this._hub = hub ? Object.freeze({ ...hub }) : null;
    this._stateChanged.emit();
  }

  /**
   * Starts estimating (the estimator is loaded late).
   */
  setEstimator(estimator: Estimator): void {
    this._estimator = estimator;
    this._stateChanged.emit();
  }

  setStatus(status: IConnectionStatus): void {
    this._status = Object.isFrozen(status) ? status : Object.freeze(status);
    this._stateChanged.emit();
  }

  /**
   * Applies one parsed stream event. An invalid event changes nothing; its
   * reason is logged the first time it is seen.
   */
  applyEvent(event: CreditsEvent, data?: string): void {
    switch (event.kind) {
      case 'snapshot':
        this._lastData = data ?? null;
        this._entries = Private.freezeEntries(event.entries);
        this._lastUpdate = this._now();
        this._record(this._entries);
        this._stateChanged.emit();
        break;
      case 'stopped':
        this._stopMessage = event.message;
        this._stateChanged.emit();
        break;
      case 'invalid':
        // Once per reason, and a bounded set of them.
        if (
          this._reasonsLogged.size < 20 &&
          !this._reasonsLogged.has(event.reason)
        ) {
          this._reasonsLogged.add(event.reason);
          this._log(
            `jupyterlab-hub-credits: ignored an event: ${event.reason}`
          );
        }
        break;
    }
  }

  /**
   * The hub's data of the latest snapshot, as received (for the history
   * store); `null` when unknown.
   */
  get lastData(): string | null {
    return this._lastData;
  }

  /**
   * Starts from a stored history (another tab's, or before a reload): the
   * samples, and the last known balance shown as not live yet. Ignored
   * once live data has arrived.
   */
  restore(
    samples: readonly IBalanceSample[],
    entries: readonly ICreditEntry[] | null,
    data: string | null
  ): void {
    if (this._lastUpdate !== null) {
      return;
    }
    this._history = samples.map(s => Object.freeze({ ...s }));
    this._historyView = null;
    if (entries && samples.length > 0) {
      this._entries = Private.freezeEntries(entries);
      this._lastData = data;
      this._lastUpdate = samples[samples.length - 1].t;
    }
    this._stateChanged.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _record(entries: readonly ICreditEntry[]): void {
    const paying = entries[0];
    if (!paying) {
      return;
    }
    this._history.push(
      Object.freeze({
        t: this._lastUpdate!,
        available: available(paying).balance
      })
    );
    this._historyView = null;
    if (this._history.length > this._maxHistory) {
      // Amortized trimming: drop the oldest quarter at once.
      this._history.splice(
        0,
        this._history.length - (this._maxHistory * 3) / 4
      );
    }
  }

  private _stateChanged = new Signal<this, void>(this);
  private _now: () => number;
  private _maxHistory: number;
  private _history: IBalanceSample[] = [];
  private _historyView: readonly IBalanceSample[] | null = null;
  private _log: (message: string) => void;
  private _status: IConnectionStatus;
  private _entries: readonly ICreditEntry[] = [];
  private _lastUpdate: number | null = null;
  private _stopMessage = '';
  private _lastData: string | null = null;
  private _reasonsLogged = new Set<string>();
  // Until the settings are read (they hold the real defaults).
  private _options: IModelOptions = Object.freeze({
    entries: Object.freeze([]),
    warningPercent: 0,
    criticalPercent: 0
  });
  private _hub: IHubLocation | null = null;
  private _estimator: Estimator | null = null;
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
 * A read-only view of a model: getters that read it and a signal of its
 * own. Nothing reachable from it writes to the model (not even the signal's
 * sender, which is the view itself). The view is an object literal of the
 * interface's type (every field, optional ones too): a field added to
 * `ICreditsModel` and not read here is a compile error, never an `undefined` at run time.
 */
export function readonlyCredits(model: CreditsModel): ICreditsModel {
  const view: Private.EveryField<ICreditsModel> = {
    get stateChanged() {
      return changed;
    },
    get status() {
      return model.status;
    },
    get state() {
      return model.state;
    },
    get entries() {
      return model.entries;
    },
    get shown() {
      return model.shown;
    },
    get level() {
      return model.level;
    },
    get thresholds() {
      return model.thresholds;
    },
    get lastUpdate() {
      return model.lastUpdate;
    },
    get stopMessage() {
      return model.stopMessage;
    },
    get history() {
      return model.history;
    },
    get visible() {
      return model.visible;
    },
    get hub() {
      return model.hub;
    },
    estimate: (now?: number) => model.estimate(now)
  };
  const changed = new Signal<ICreditsModel, void>(view);
  model.stateChanged.connect(() => changed.emit());
  return Object.freeze(view);
}

namespace Private {
  /**
   * Every field of `T`, optional ones included.
   */
  export type EveryField<T> = { readonly [K in keyof T]-?: T[K] };

  /**
   * Entries as the model keeps them: frozen, so no reader can change them.
   */
  export function freezeEntries(
    entries: readonly ICreditEntry[]
  ): readonly ICreditEntry[] {
    for (const entry of entries) {
      if (entry.grant) {
        Object.freeze(entry.grant);
      }
      if (entry.project) {
        if (entry.project.grant) {
          Object.freeze(entry.project.grant);
        }
        Object.freeze(entry.project);
      }
      Object.freeze(entry);
    }
    return Object.freeze(entries);
  }
}
