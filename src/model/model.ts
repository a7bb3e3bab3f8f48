/**
 * CreditsModel: the one owner of what is shown — connection state, entries,
 * the shown entries' level, history and estimate, as the server part says
 * them. Only the core plugin holds it; every other plugin and extension
 * gets `readonlyCredits(model)`.
 */
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';
import { selectEntries, worstLevel } from './levels';
import type { IThresholds, Level } from './levels';
import { connectionStatus, isFresh } from './state';
import type { ConnectionState, IConnectionStatus } from './state';
import type {
  Estimate,
  IBalanceSample,
  ICreditEntry,
  IHubLocation,
  IStateDocument
} from './types';
import type { ICreditsModel } from './api';

/** What the settings say about the shown entries and their level. */
interface IModelOptions extends IThresholds {
  /** Entry names to show; empty shows all. */
  readonly entries: readonly string[];
}

export class CreditsModel implements Omit<ICreditsModel, 'stateChanged'> {
  constructor(options: CreditsModel.IOptions = {}) {
    this._now = options.now ?? Date.now;
    this._status = connectionStatus('connecting', this._now());
  }

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
    return this._document?.entries ?? [];
  }

  get shown(): readonly ICreditEntry[] {
    return selectEntries(this.entries, this._options.entries);
  }

  get level(): Level {
    return isFresh(this.state) ? worstLevel(this.shown, this._options) : 'ok';
  }

  get thresholds(): IThresholds {
    return this._options;
  }

  get lastUpdate(): number | null {
    return this._document?.updated ?? null;
  }

  get stopMessage(): string {
    return this._document?.stopMessage ?? '';
  }

  get history(): readonly IBalanceSample[] {
    return this._document?.history ?? [];
  }

  get visible(): boolean {
    return this.state !== 'unavailable' && this.state !== 'disabled';
  }

  get hub(): IHubLocation | null {
    return this._hub;
  }

  /** The last history sample's time in the server's seconds, or `null`. */
  get historyEnd(): number | null {
    return this._document?.historyEnd ?? null;
  }

  get canStop(): boolean {
    return this._document?.canStop ?? false;
  }

  estimate(now = this._now()): Estimate {
    const estimate = this._document?.estimate ?? UNKNOWN;
    return estimate.kind === 'falling'
      ? { ...estimate, msToStop: Math.max(0, estimate.stopAt - now) }
      : estimate;
  }

  /** Which entries to show and the thresholds of their level. */
  configure(options: IModelOptions, hub: IHubLocation | null): void {
    this._options = Object.freeze({
      entries: Object.freeze([...options.entries]),
      warningPercent: options.warningPercent,
      criticalPercent: options.criticalPercent
    });
    this._hub = hub ? Object.freeze({ ...hub }) : null;
    this._stateChanged.emit();
  }

  /** What the server part said last (newest samples only: appended). */
  apply(document: IStateDocument): void {
    const previous = this._document;
    if (
      document.historyAfter > 0 &&
      previous !== null &&
      previous.start === document.start
    ) {
      const last = previous.history[previous.history.length - 1]?.t ?? -1;
      const added = document.history.filter(s => s.t > last);
      document = {
        ...document,
        history: Object.freeze(
          [...previous.history, ...added].slice(-MAX_HISTORY)
        ),
        historyEnd: document.historyEnd ?? previous.historyEnd
      };
    }
    this._document = document;
    this._status = connectionStatus(document.state, document.since, document);
    this._stateChanged.emit();
  }

  /** A state only the page sees (server out of reach…); the numbers stay. */
  setStatus(status: IConnectionStatus): void {
    this._status = Object.isFrozen(status) ? status : Object.freeze(status);
    this._stateChanged.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _stateChanged = new Signal<this, void>(this);
  private _now: () => number;
  private _status: IConnectionStatus;
  private _document: IStateDocument | null = null;
  // Until the settings are read (they hold the real defaults).
  private _options: IModelOptions = Object.freeze({
    entries: Object.freeze([]),
    warningPercent: 0,
    criticalPercent: 0
  });
  private _hub: IHubLocation | null = null;
}

export namespace CreditsModel {
  export interface IOptions {
    now?: () => number;
  }
}

const UNKNOWN: Estimate = Object.freeze({ kind: 'unknown' });
/** The most samples a page keeps (as the server part: HISTORY_LIMIT). */
const MAX_HISTORY = 2000;

/**
 * A read-only view of a model: getters that read it and a signal of its
 * own (whose sender is the view): nothing reachable from it writes to the
 * model. Every field is listed (`-?`): one added to `ICreditsModel` and not
 * read here is a compile error, never an `undefined` at run time.
 */
export function readonlyCredits(model: CreditsModel): ICreditsModel {
  const view: { readonly [K in keyof ICreditsModel]-?: ICreditsModel[K] } = {
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
    get canStop() {
      return model.canStop;
    },
    estimate: (now?: number) => model.estimate(now)
  };
  const changed = new Signal<ICreditsModel, void>(view);
  model.stateChanged.connect(() => changed.emit());
  return Object.freeze(view);
}
