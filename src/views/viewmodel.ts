/**
 * What a view renders: the read-only credits, the display settings, and
 * the connection status with its reason in the reader's language.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomModel } from '@jupyterlab/ui-components';
import type { IDisplayOptions } from './format';
import { loadOnce } from './lazy';
import type { IConnectionStatus } from '../model/state';
import type { ICreditsModel } from '../tokens';

export class CreditsViewModel extends VDomModel {
  constructor(
    readonly credits: ICreditsModel,
    display: IDisplayOptions,
    trans: TranslationBundle
  ) {
    super();
    this._display = display;
    this._trans = trans;
    credits.stateChanged.connect(this._changed, this);
    if (credits.status.reason) {
      this._changed();
    }
  }

  /**
   * The words for the tooltip, announcements and the details' state line;
   * `null` until they have loaded (with the first change of the credits:
   * the connection loads after JupyterLab's start, and with it the first
   * change).
   */
  get describe(): typeof import('./describe') | null {
    return this._describe;
  }

  /**
   * The display settings; setting them re-renders.
   */
  get display(): IDisplayOptions {
    return this._display;
  }
  set display(value: IDisplayOptions) {
    this._display = value;
    // Re-rendered only: the words load with the credits' first change (the
    // settings arrive at start, and the start carries no words).
    this.stateChanged.emit();
  }

  /**
   * The connection status, its reason translated where it is one of ours
   * (as written until the translations have loaded, with the first reason).
   */
  get status(): IConnectionStatus {
    const status = this.credits.status;
    return this._translate?.(this._trans, status) ?? status;
  }

  dispose(): void {
    this.credits.stateChanged.disconnect(this._changed, this);
    super.dispose();
  }

  /**
   * Loads the words and the reasons' translations now rather than with
   * the first change and the first reason (under a hub, while the server
   * that serves this code still runs). Resolves once both are here.
   */
  preload(): Promise<void> {
    return Promise.all([this._loadDescribe(), this._loadReasons()]).then(
      () => undefined
    );
  }

  private _changed(): void {
    void this._loadDescribe().catch(() => undefined);
    if (this.credits.status.reason) {
      void this._loadReasons().catch(() => undefined);
    }
    this.stateChanged.emit();
  }

  private _loadDescribe = loadOnce(() =>
    import('./describe').then(m => {
      this._describe = m;
      if (!this.isDisposed) {
        this.stateChanged.emit();
      }
    })
  );

  private _loadReasons = loadOnce(() =>
    import('./reasons').then(m => {
      this._translate = m.translateStatus;
      if (!this.isDisposed) {
        this.stateChanged.emit();
      }
    })
  );

  private _display: IDisplayOptions;
  private _trans: TranslationBundle;
  private _describe: typeof import('./describe') | null = null;
  private _translate: typeof import('./reasons').translateStatus | null = null;
}
