/**
 * The work guard's notices: the run-out warning (one notification, updated
 * in place, never a stack of them) and the report of an automatic save.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { formatClock, formatDuration } from '../../views/durations';
import type { RunOutWarning } from './decision';
import type { ISaveReport } from './saver';

export class GuardNotices {
  constructor(options: GuardNotices.IOptions) {
    this._options = options;
  }

  /** Shows the warning, or updates the one on screen when its words changed. */
  warn(warning: RunOutWarning): void {
    const { trans, saveAll, openHubHome } = this._options;
    const message =
      warning.kind === 'runs-out'
        ? trans.__(
            'Credits run out in about %1 (at %2); the hub will then stop this server.',
            formatDuration(trans, warning.msToStop),
            formatClock(warning.stopAt)
          )
        : trans.__(
            'Credits are almost used up; the hub will stop this server when they run out.'
          );
    if (message === this._message && this._warningId) {
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
    if (this._warningId && Notification.manager.has(this._warningId)) {
      Notification.update({
        id: this._warningId,
        message,
        type: 'warning',
        ...options
      });
    } else {
      this._warningId = Notification.warning(message, options);
    }
  }

  dismissWarning(): void {
    if (this._warningId) {
      Notification.dismiss(this._warningId);
      this._warningId = '';
      this._message = '';
    }
  }

  /** Says what an automatic save saved and what it could not. */
  report(report: ISaveReport): void {
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

  dismissReport(): void {
    if (this._reportId) {
      Notification.dismiss(this._reportId);
      this._reportId = '';
    }
  }

  private _options: GuardNotices.IOptions;
  private _warningId = '';
  private _message = '';
  private _reportId = '';
}

export namespace GuardNotices {
  export interface IOptions {
    trans: TranslationBundle;
    /** "Save all now": JupyterLab's save-all command. */
    saveAll: () => Promise<unknown>;
    openHubHome: () => void;
  }
}
