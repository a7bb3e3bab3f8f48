/**
 * Tells the user, once, when the hub stopped this server.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';
import type { CreditsModel } from './model';

export class StopNotifier implements IDisposable {
  constructor(options: StopNotifier.IOptions) {
    this._options = options;
    options.model.stateChanged.connect(this._onChange, this);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._options.model.stateChanged.disconnect(this._onChange, this);
  }

  private _onChange(model: CreditsModel): void {
    if (model.state !== 'stopped') {
      this._shown = false;
      return;
    }
    if (this._shown) {
      return;
    }
    this._shown = true;
    const { trans, openHubHome } = this._options;
    Notification.error(
      trans.__(
        'The hub stopped this server: its credits ran out or it was stopped elsewhere. Unsaved changes are lost; start it again from the hub home page.'
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
  private _disposed = false;
}

export namespace StopNotifier {
  export interface IOptions {
    model: CreditsModel;
    trans: TranslationBundle;
    openHubHome: () => void;
  }
}
