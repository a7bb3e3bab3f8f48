/**
 * Opens and closes the details: a popup above the status bar item that
 * behaves as a dialog (WAI-ARIA dialog pattern), or JupyterLab's dialog
 * where there is no status bar (Notebook 7). The details' code is loaded
 * on first use.
 *
 * As a dialog: when the details open, focus moves to their first control
 * once they have rendered; Tab and Shift+Tab stay inside; Escape closes
 * them and returns focus to the item; the item says `aria-expanded` and
 * names what it controls (`aria-controls`); a click outside closes them.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { showPopup } from '@jupyterlab/statusbar';
import type { Popup } from '@jupyterlab/statusbar';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import type { IDisplayOptions } from './format';
import type { CreditsDetails } from './details';
import type { ICreditsModel } from '../tokens';
import { CreditsViewModel } from './viewmodel';

/**
 * The details' node id, which the item names in `aria-controls`.
 */
const DETAILS_ID = 'jp-CreditsDetails';

export class DetailsToggle {
  constructor(options: DetailsToggle.IOptions) {
    this._options = options;
  }

  /**
   * Whether the details are open (as a popup).
   */
  get isOpen(): boolean {
    return this._popup !== null && !this._popup.isDisposed;
  }

  /**
   * Opens the details, or closes them when open.
   */
  async toggle(): Promise<void> {
    if (this.isOpen) {
      this.close();
      return;
    }
    const { anchor, trans } = this._options;
    const body = await this._create();
    if (!anchor) {
      await showDialog({
        title: trans.__('Hub credits'),
        body,
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
      body.dispose();
      return;
    }
    body.id = DETAILS_ID;
    const popup = showPopup({
      body,
      anchor,
      align: 'left',
      hasDynamicSize: true
    });
    this._popup = popup;
    anchor.node.setAttribute('aria-controls', DETAILS_ID);
    anchor.node.setAttribute('aria-expanded', 'true');
    body.node.addEventListener('keydown', this._onKeyDown);
    // Escape also closes the details while focus is elsewhere (the item).
    document.addEventListener('keydown', this._onEscape, true);
    popup.disposed.connect(() => {
      document.removeEventListener('keydown', this._onEscape, true);
      anchor.node.setAttribute('aria-expanded', 'false');
      anchor.node.removeAttribute('aria-controls');
      if (this._popup === popup) {
        this._popup = null;
      }
      const hadFocus = body.node.contains(document.activeElement);
      body.dispose();
      if (hadFocus || this._returnFocus) {
        anchor.node.focus();
      }
      this._returnFocus = false;
    });
    await body.focusFirst();
  }

  /**
   * Closes the details and returns focus to the item.
   */
  close(): void {
    this._returnFocus = true;
    this._popup?.dispose();
  }

  private async _create(): Promise<CreditsDetails> {
    const { CreditsDetails } = await import('./details');
    const { credits, display, trans, actions } = this._options;
    const model = new CreditsViewModel(credits, display(), trans);
    const body = new CreditsDetails({ model, trans, actions: actions() });
    body.disposed.connect(() => model.dispose());
    return body;
  }

  private _onEscape = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.isOpen) {
      event.preventDefault();
      event.stopPropagation();
      this.close();
    }
  };

  /**
   * Tab and Shift+Tab cycle through the details' controls.
   */
  private _onKeyDown = (event: KeyboardEvent): void => {
    if (event.key !== 'Tab' || !this._popup) {
      return;
    }
    const node = event.currentTarget as HTMLElement;
    const controls = Array.from(
      node.querySelectorAll<HTMLElement>(
        'button:not(:disabled), [href], [tabindex]:not([tabindex="-1"])'
      )
    );
    if (controls.length === 0) {
      event.preventDefault();
      return;
    }
    const first = controls[0];
    const last = controls[controls.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !node.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !node.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  };

  private _options: DetailsToggle.IOptions;
  private _popup: Popup | null = null;
  private _returnFocus = false;
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
