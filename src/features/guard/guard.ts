/**
 * Never lose work to an empty balance: warn before the hub stops the
 * server, and save open documents in time. The guard looks at the credits
 * at every change and every CHECK_MS; what it does is decided by
 * `GuardDecision` and done by `GuardNotices` and `DocumentSaver`.
 */
import { systemClock } from '../../client/clock';
import type { IClock } from '../../client/clock';
import type { ICreditsModel } from '../../tokens';
import type { IOpenDocument } from '../documents';
import { ModelWatcher } from '../watcher';
import { CHECK_MS, GuardDecision } from './decision';
import type { IGuardSettings } from './decision';
import { GuardNotices } from './notices';
import { DocumentSaver } from './saver';
import type { ISaveReport } from './saver';

export class WorkGuard extends ModelWatcher {
  constructor(options: WorkGuard.IOptions) {
    super(options.model);
    this._options = options;
    this._clock = options.clock ?? systemClock;
    this._decision = new GuardDecision(this._clock);
    this._saver = new DocumentSaver(this._clock);
    this._notices = new GuardNotices(options);
    this._tick();
  }

  get lastSave(): (ISaveReport & { at: number }) | null {
    return this._saver.lastSave;
  }

  /** Looks at the credits now: warns (or stops), saves when due. */
  check(): void {
    if (this.isDisposed) {
      return;
    }
    const { model, settings, documents } = this._options;
    const actions = this._decision.decide(
      {
        state: model.state,
        visible: model.visible,
        level: model.level,
        estimate: model.estimate(this._clock.now())
      },
      settings()
    );
    if (actions.dismissReport) {
      this._notices.dismissReport();
    }
    if (actions.warning) {
      this._notices.warn(actions.warning);
    } else {
      this._notices.dismissWarning();
    }
    if (actions.save) {
      void this._saver
        .save(documents(), actions.save === 'crossing')
        .then(report => {
          if (report && !this.isDisposed) {
            this._notices.report(report);
          }
        });
    }
  }

  dispose(): void {
    this._clock.clearTimeout(this._timer);
    super.dispose();
  }

  protected onModelChanged(): void {
    this.check();
  }

  /** The estimate counts down between snapshots: look again every CHECK_MS. */
  private _tick(): void {
    this._timer = this._clock.setTimeout(() => {
      this.check();
      if (!this.isDisposed) {
        this._tick();
      }
    }, CHECK_MS);
  }

  private _options: WorkGuard.IOptions;
  private _clock: IClock;
  private _decision: GuardDecision;
  private _saver: DocumentSaver;
  private _notices: GuardNotices;
  private _timer: unknown = null;
}

export namespace WorkGuard {
  export interface IOptions extends GuardNotices.IOptions {
    model: ICreditsModel;
    settings: () => IGuardSettings;
    /** The open documents now. */
    documents: () => IOpenDocument[];
    /** Time and timers; the system's by default. */
    clock?: IClock;
  }
}
