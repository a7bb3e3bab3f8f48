/**
 * Opens and closes the details: a popup above the status bar item, or a
 * dialog where there is no status bar (Notebook 7). The details' code is
 * loaded on first use.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { showPopup } from '@jupyterlab/statusbar';
import type { Popup } from '@jupyterlab/statusbar';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import type { IDisplayOptions } from './format';
import type { CreditsDetails } from './popup';
import type { ICreditsModel } from './tokens';
import { CreditsViewModel } from './viewmodel';

export class DetailsToggle {
  constructor(options: DetailsToggle.IOptions) {
    this._options = options;
  }

  /**
   * Opens the details, or closes them when open.
   */
  async toggle(): Promise<void> {
    if (this._popup && !this._popup.isDisposed) {
      this._popup.dispose();
      this._popup = null;
      return;
    }
    const { anchor } = this._options;
    const body = await this._create();
    if (!anchor) {
      await showDialog({
        title: this._options.trans.__('Hub credits'),
        body,
        buttons: [Dialog.okButton({ label: this._options.trans.__('Close') })]
      });
      body.dispose();
      return;
    }
    this._popup = showPopup({
      body,
      anchor,
      align: 'left',
      hasDynamicSize: true
    });
    this._popup.disposed.connect(() => {
      body.dispose();
      anchor.node.focus();
    });
    await body.focusFirst();
  }

  private async _create(): Promise<CreditsDetails> {
    const { CreditsDetails } = await import('./popup');
    const { credits, display, trans, actions } = this._options;
    const model = new CreditsViewModel(credits, display());
    const body = new CreditsDetails({ model, trans, actions: actions() });
    body.disposed.connect(() => model.dispose());
    return body;
  }

  private _options: DetailsToggle.IOptions;
  private _popup: Popup | null = null;
}

export namespace DetailsToggle {
  export interface IOptions {
    credits: ICreditsModel;
    display: () => IDisplayOptions;
    trans: TranslationBundle;
    /** What the details' buttons do, asked when they open. */
    actions: () => CreditsDetails.IActions;
    /** The status bar item; `null` shows the details in a dialog. */
    anchor: Widget | null;
  }
}
