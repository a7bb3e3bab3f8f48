/**
 * What a view renders: the read-only credits and the display settings.
 */
import { VDomModel } from '@jupyterlab/ui-components';
import type { IDisplayOptions } from './format';
import type { ICreditsModel } from '../tokens';

export class CreditsViewModel extends VDomModel {
  constructor(
    readonly credits: ICreditsModel,
    display: IDisplayOptions
  ) {
    super();
    this._display = display;
    credits.stateChanged.connect(this._changed, this);
  }

  /**
   * The display settings; setting them re-renders.
   */
  get display(): IDisplayOptions {
    return this._display;
  }
  set display(value: IDisplayOptions) {
    this._display = value;
    this._changed();
  }

  dispose(): void {
    this.credits.stateChanged.disconnect(this._changed, this);
    super.dispose();
  }

  private _changed(): void {
    this.stateChanged.emit();
  }

  private _display: IDisplayOptions;
}
