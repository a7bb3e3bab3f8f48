/**
 * Never lose work to an empty balance: warn before the hub stops the
 * server, and save open documents in time.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { formatClock, formatDuration } from '../../views/durations';
import type { IOpenDocument } from '../documents';
import type { Level } from '../../model/levels';
import type { Estimate } from '../../model/estimate';
import type { ICreditsModel } from '../../tokens';
import { ModelWatcher } from '../watcher';

/**
 * The guard checks the estimate at least this often (and at every
 * snapshot); within the save lead time, dirty documents are saved again
 * this often.
 */
const CHECK_MS = 15000;
const RESAVE_MS = CHECK_MS;

/**
 * How long until the earliest predicted stop (the hub stops the server at
 * the first bill it cannot pay: not at zero).
 */
export function msToEarliestStop(
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

  /**
   * @returns true exactly when the estimate crosses below the lead time.
   */
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
 * The outcome of one automatic save.
 */
export interface ISaveReport {
  readonly saved: string[];
  readonly failed: { path: string; reason: string }[];
}

/**
 * Saves every dirty, writable, non-empty document; one failure never stops
 * the others, and nothing throws.
 */
export async function saveDocuments(
  documents: readonly IOpenDocument[]
): Promise<ISaveReport> {
  const report: ISaveReport = { saved: [], failed: [] };
  const candidates = documents.filter(
    d => d.dirty && d.writable && !d.untitledAndEmpty
  );
  await Promise.all(
    candidates.map(async document => {
      try {
        await document.save();
        report.saved.push(document.path);
      } catch (reason) {
        report.failed.push({
          path: document.path,
          reason: reason instanceof Error ? reason.message : String(reason)
        });
      }
    })
  );
  report.saved.sort();
  return report;
}

export class WorkGuard extends ModelWatcher {
  constructor(options: WorkGuard.IOptions) {
    super(options.model);
    this._options = options;
    this._autosave = new LeadTimeTrigger(options.settings().autoSaveLeadMs);
    // The estimate counts down between snapshots.
    this._ticker = setInterval(() => this.check(), CHECK_MS);
  }

  /**
   * The last automatic save, if any.
   */
  get lastSave(): (ISaveReport & { at: number }) | null {
    return this._lastSave;
  }

  /**
   * Re-evaluates: shows, updates or dismisses the warning; saves when due.
   */
  check(): void {
    if (this.isDisposed) {
      return;
    }
    const { model, settings } = this._options;
    const config = settings();
    this._autosave.leadMs = config.autoSaveLeadMs;
    if (model.state === 'stopped' || !model.visible) {
      // One notice per situation: the stopped notice (which says what was
      // saved) replaces the warning and the save report.
      this._dismiss();
      if (this._reportId) {
        Notification.dismiss(this._reportId);
        this._reportId = '';
      }
      return;
    }
    const estimate = model.estimate();
    if (config.warn && shouldWarn(estimate, model.level, config.warnLeadMs)) {
      this._show(estimate);
    } else {
      this._dismiss();
    }
    if (this._autosave.update(estimate) && config.autoSave) {
      this._told.clear();
      void this._save();
    } else if (
      config.autoSave &&
      estimate.kind === 'falling' &&
      msToEarliestStop(estimate) < config.autoSaveLeadMs &&
      Date.now() - this._savedAt >= RESAVE_MS
    ) {
      // Past the crossing, edits made since are saved too.
      void this._save();
    }
  }

  dispose(): void {
    clearInterval(this._ticker);
    super.dispose();
  }

  protected onModelChanged(): void {
    this.check();
  }

  private _show(estimate: Estimate): void {
    const { trans, saveAll, openHubHome } = this._options;
    const message =
      estimate.kind === 'falling'
        ? trans.__(
            'Credits run out in about %1 (at %2); the hub will then stop this server.',
            formatDuration(trans, estimate.msToStop),
            formatClock(estimate.stopAt)
          )
        : trans.__(
            'Credits are almost used up; the hub will stop this server when they run out.'
          );
    if (message === this._message && this._id) {
      return;
    }
    this._message = message;
    const options = {
      autoClose: false as const,
      actions: [
        {
          label: trans.__('Save all now'),
          callback: (event: MouseEvent) => {
            event.preventDefault();
            void saveAll();
          }
        },
        { label: trans.__('Open hub home'), callback: () => openHubHome() }
      ]
    };
    // One notification, updated in place; never a stack of them.
    if (this._id && Notification.manager.has(this._id)) {
      Notification.update({
        id: this._id,
        message,
        type: 'warning',
        ...options
      });
    } else {
      this._id = Notification.warning(message, options);
    }
  }

  private _dismiss(): void {
    if (this._id) {
      Notification.dismiss(this._id);
      this._id = '';
      this._message = '';
    }
  }

  /**
   * Saves the dirty documents; says so for a document saved the first time
   * since the crossing (and for every failure).
   */
  private async _save(): Promise<void> {
    const { documents } = this._options;
    this._savedAt = Date.now();
    const result = await saveDocuments(documents());
    this._lastSave = { ...result, at: Date.now() };
    const news = result.saved.filter(path => !this._told.has(path));
    news.forEach(path => this._told.add(path));
    if (news.length > 0 || result.failed.length > 0) {
      this._report(result);
    }
  }

  private _report(report: ISaveReport): void {
    const { trans } = this._options;
    if (report.failed.length > 0) {
      this._reportId = Notification.error(
        trans.__(
          'Credits are running out. Saved: %1. Could not save: %2.',
          report.saved.join(', ') || trans.__('nothing'),
          report.failed.map(f => `${f.path} (${f.reason})`).join(', ')
        ),
        { autoClose: false }
      );
    } else {
      this._reportId = Notification.info(
        trans.__('Credits are running out: saved %1.', report.saved.join(', ')),
        { autoClose: 10000 }
      );
    }
  }

  private _options: WorkGuard.IOptions;
  private _autosave: LeadTimeTrigger;
  private _ticker: ReturnType<typeof setInterval>;
  private _id = '';
  private _savedAt = -Infinity;
  private _told = new Set<string>();
  private _reportId = '';
  private _message = '';
  private _lastSave: (ISaveReport & { at: number }) | null = null;
}

export namespace WorkGuard {
  export interface ISettings {
    warn: boolean;
    warnLeadMs: number;
    autoSave: boolean;
    autoSaveLeadMs: number;
  }

  export interface IOptions {
    model: ICreditsModel;
    trans: TranslationBundle;
    settings: () => ISettings;
    /** The open documents now. */
    documents: () => IOpenDocument[];
    /** "Save all now": JupyterLab's save-all command. */
    saveAll: () => Promise<unknown>;
    openHubHome: () => void;
  }
}
