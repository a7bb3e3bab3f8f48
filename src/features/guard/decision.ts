/**
 * What the work guard does now, decided from the credits alone: which
 * run-out warning to show and whether to save. Pure but for its own
 * memory (the lead-time trigger, the last save); time comes from an
 * injected clock, so a test drives it.
 */
import type { IClock } from '../../client/clock';
import type { Estimate } from '../../model/types';
import type { Level } from '../../model/levels';
import type { ConnectionState } from '../../model/state';

/**
 * The guard checks the estimate at least this often (and at every
 * snapshot); within the save lead time, dirty documents are saved again
 * this often.
 */
export const CHECK_MS = 15000;
const RESAVE_MS = CHECK_MS;

/**
 * How long until the earliest predicted stop (the hub stops the server at
 * the first bill it cannot pay: not at zero).
 */
function msToEarliestStop(
  estimate: Extract<Estimate, { kind: 'falling' }>
): number {
  return Math.max(0, estimate.msToStop - (estimate.stopAt - estimate.earliest));
}

/**
 * Fires once when the predicted stop comes within a lead time, and
 * re-arms when it rises above it again (a grant, a top-up) or the balance
 * stops falling.
 */
export class LeadTimeTrigger {
  constructor(public leadMs: number) {}

  /** True exactly when the estimate crosses below the lead time. */
  update(estimate: Estimate): boolean {
    // The guard looks every CHECK_MS at most: a lead that much longer
    // makes the save come at least `leadMs` before the stop.
    const below =
      estimate.kind === 'falling' &&
      msToEarliestStop(estimate) < this.leadMs + CHECK_MS;
    if (below && this._armed) {
      this._armed = false;
      return true;
    }
    if (!below && estimate.kind !== 'unknown') {
      this._armed = true;
    }
    return false;
  }

  private _armed = true;
}

/**
 * Whether the early warning should show: the prediction is below the lead
 * time, or — without a prediction — the level is critical.
 */
export function shouldWarn(
  estimate: Estimate,
  level: Level,
  leadMs: number
): boolean {
  if (estimate.kind === 'falling') {
    return msToEarliestStop(estimate) < leadMs;
  }
  return estimate.kind === 'unknown' && level === 'critical';
}

/**
 * The run-out warning: when the credits run out, or (without a
 * prediction) that they almost have.
 */
export type RunOutWarning =
  | {
      readonly kind: 'runs-out';
      /** Until the predicted stop. */
      readonly msToStop: number;
      /** When the hub is predicted to stop the server (ms since the epoch). */
      readonly stopAt: number;
    }
  | { readonly kind: 'almost-used-up' };

/** What the guard should do, as decided for one look at the credits. */
interface IGuardActions {
  /** The warning to show (updated in place); `null`: none. */
  readonly warning: RunOutWarning | null;
  /**
   * Save the dirty documents: `crossing` when the stop has just come within
   * the lead time (every saved document is reported again), `edits` for
   * edits made since, `null` not now.
   */
  readonly save: 'crossing' | 'edits' | null;
  /** The save report is stale: the stop notice (or nothing) replaces it. */
  readonly dismissReport: boolean;
}

/** The guard's settings, in milliseconds. */
export interface IGuardSettings {
  readonly warn: boolean;
  readonly warnLeadMs: number;
  readonly autoSave: boolean;
  readonly autoSaveLeadMs: number;
}

/** What the guard sees of the credits. */
export interface IGuardInput {
  readonly state: ConnectionState;
  readonly visible: boolean;
  readonly level: Level;
  readonly estimate: Estimate;
}

export class GuardDecision {
  constructor(private readonly _clock: Pick<IClock, 'now'>) {}

  decide(input: IGuardInput, settings: IGuardSettings): IGuardActions {
    if (input.state === 'stopped' || !input.visible) {
      // One notice per situation: the stopped notice (which says what was
      // saved) replaces the warning and the save report.
      return { warning: null, save: null, dismissReport: true };
    }
    const { estimate } = input;
    const warning =
      settings.warn && shouldWarn(estimate, input.level, settings.warnLeadMs)
        ? warningFor(estimate)
        : null;
    this._trigger.leadMs = settings.autoSaveLeadMs;
    // The trigger follows the estimate even while saving is off.
    const crossed = this._trigger.update(estimate);
    const now = this._clock.now();
    let save: IGuardActions['save'] = null;
    if (crossed && settings.autoSave) {
      save = 'crossing';
    } else if (
      settings.autoSave &&
      estimate.kind === 'falling' &&
      msToEarliestStop(estimate) < settings.autoSaveLeadMs &&
      now - this._savedAt >= RESAVE_MS
    ) {
      // Past the crossing, edits made since are saved too.
      save = 'edits';
    }
    if (save) {
      this._savedAt = now;
    }
    return { warning, save, dismissReport: false };
  }

  private _trigger = new LeadTimeTrigger(0);
  private _savedAt = -Infinity;
}

function warningFor(estimate: Estimate): RunOutWarning {
  return estimate.kind === 'falling'
    ? { kind: 'runs-out', msToStop: estimate.msToStop, stopAt: estimate.stopAt }
    : { kind: 'almost-used-up' };
}
