/**
 * Tells the user, once, when the hub stopped this server, and when the
 * balance runs low.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { LEVEL_RANK } from '../../model/levels';
import type { Level } from '../../model/levels';
import { isFresh } from '../../model/state';
import type { ICreditsModel } from '../../tokens';
import { takeOwnStop } from '../../client/ownstop';
import { ModelWatcher } from '../watcher';

/**
 * Why the hub stopped the server, as far as the history tells: the credits
 * ran out only when the last balance could not pay what was due at the
 * stop. A late credit task bills every period since the last bill at once
 * (`max(elapsed // interval, 1)` bills), so up to three bills count, as
 * many as periods passed since the last balance.
 */
function stopCause(trans: TranslationBundle, model: ICreditsModel): string {
  const estimate = model.estimate();
  const last = model.history[model.history.length - 1];
  if (estimate.kind === 'falling' && last) {
    const periods =
      estimate.periodMs > 0
        ? Math.ceil((model.status.since - last.t) / estimate.periodMs)
        : 1;
    const due = Math.min(3, Math.max(1, periods)) * estimate.bill;
    return last.available < due
      ? trans.__(
          'The hub stopped this server: its credits could not pay the next bill.'
        )
      : trans.__(
          'The hub stopped this server, but its credits had not run out: it was stopped elsewhere (from the hub home page, by an admin, or for being idle).'
        );
  }
  return trans.__(
    'The hub stopped this server: its credits ran out or it was stopped elsewhere.'
  );
}

export class StopNotifier extends ModelWatcher {
  constructor(options: StopNotifier.IOptions) {
    super(options.model);
    this._options = options;
  }

  protected onModelChanged(model: ICreditsModel): void {
    if (model.state !== 'stopped') {
      this._shown = false;
      return;
    }
    if (this._shown) {
      return;
    }
    this._shown = true;
    const { trans, openHubHome, unsavedDocuments } = this._options;
    const unsaved = unsavedDocuments?.() ?? null;
    const work =
      unsaved === null
        ? trans.__('Unsaved changes are lost.')
        : unsaved.length === 0
          ? trans.__('All documents were saved before the stop.')
          : trans.__('Unsaved changes in %1 are lost.', unsaved.join(', '));
    // The user asked for this stop here: no alarm, no guessing at why.
    const own = takeOwnStop();
    const notify = own ? Notification.info : Notification.error;
    notify(
      trans.__(
        '%1 %2 Start it again from the hub home page.',
        own ? trans.__('You stopped this server.') : stopCause(trans, model),
        work
      ),
      {
        autoClose: false,
        actions: [
          {
            label: trans.__('Open hub home'),
            caption: trans.__('Open the JupyterHub home page in a new tab'),
            callback: () => openHubHome()
          }
        ]
      }
    );
  }

  private _options: StopNotifier.IOptions;
  private _shown = false;
}

export namespace StopNotifier {
  export interface IOptions {
    model: ICreditsModel;
    trans: TranslationBundle;
    openHubHome: () => void;
    /** Paths of open documents with unsaved changes; absent when unknown. */
    unsavedDocuments?: () => string[];
  }
}

/**
 * Fires once when the level gets worse (ok → warning → critical) and
 * re-arms when it recovers: a balance hovering at a threshold does not
 * notify on every event.
 */
export class CrossingTracker {
  /** Feeds the current level; returns the level to notify about, or null. */
  update(level: Level): Level | null {
    const rank = LEVEL_RANK[level];
    if (rank > this._fired) {
      this._fired = rank;
      return level;
    }
    if (rank < this._fired) {
      // Recovered (a grant or top-up): the next crossing notifies again.
      this._fired = rank;
    }
    return null;
  }

  /** Forget everything, e.g. when the thresholds change. */
  reset(): void {
    this._fired = 0;
  }

  private _fired = 0;
}

/** Low-balance notifications, one per crossing, replacing the previous one. */
export class LowBalanceNotifier extends ModelWatcher {
  constructor(options: LowBalanceNotifier.IOptions) {
    super(options.model);
    this._options = options;
  }

  protected onModelChanged(model: ICreditsModel): void {
    if (model.state === 'stopped') {
      // One notice per situation: the stopped notice says it all.
      this._dismiss();
      return;
    }
    if (!isFresh(model.state)) {
      return;
    }
    const crossed = this._tracker.update(model.level);
    if (model.level === 'ok') {
      // Recovered (a grant, a top-up): the low-balance notice is stale.
      this._dismiss();
    }
    if (!crossed || !this._options.enabled()) {
      return;
    }
    const { trans, showDetails, mute } = this._options;
    this._dismiss();
    const message =
      crossed === 'critical'
        ? trans.__(
            'Your hub credits are almost used up. When they run out, the hub stops this server.'
          )
        : trans.__('Your hub credits are running low.');
    const notify =
      crossed === 'critical' ? Notification.error : Notification.warning;
    this._id = notify(message, {
      autoClose: false,
      actions: [
        {
          label: trans.__('Show details'),
          // After this click is done: the popup closes on clicks outside it.
          callback: () => void setTimeout(showDetails, 0)
        },
        {
          label: trans.__("Don't show again"),
          caption: trans.__(
            'Turn off low-balance notifications in the settings'
          ),
          callback: () => mute()
        }
      ]
    });
  }

  private _options: LowBalanceNotifier.IOptions;
  private _tracker = new CrossingTracker();
  private _id = '';

  private _dismiss(): void {
    if (this._id) {
      Notification.dismiss(this._id);
      this._id = '';
    }
  }
}

export namespace LowBalanceNotifier {
  export interface IOptions {
    model: ICreditsModel;
    trans: TranslationBundle;
    /** Whether low-balance notifications are on (a setting). */
    enabled: () => boolean;
    showDetails: () => void;
    /** "Don't show again": turns the setting off. */
    mute: () => void;
  }
}
