/**
 * The status bar item: renders a CreditsModel, reads nothing else.
 */
import * as React from 'react';
import { TextItem } from '@jupyterlab/statusbar';
import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { statusText, statusTooltip } from './format';
import type { CreditsModel } from './model';

export class CreditsStatusItem extends VDomRenderer<CreditsModel> {
  constructor(options: CreditsStatusItem.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this._label = options.label ?? this._trans.__('Credits');
    this.addClass('jp-CreditsStatus');
  }

  /**
   * The word before the balance, e.g. "Credits".
   */
  get label(): string {
    return this._label;
  }
  set label(value: string) {
    if (value !== this._label) {
      this._label = value;
      this.update();
    }
  }

  protected render(): JSX.Element {
    const model = this.model;
    const state = model.state;
    this.node.dataset.state = state;
    // Strings go into React text nodes: hub text is never parsed as HTML.
    return (
      <TextItem
        className={`jp-CreditsStatus-text jp-mod-${state}`}
        source={statusText(
          this._trans,
          model.status,
          model.entries,
          this._label
        )}
        title={statusTooltip(
          this._trans,
          model.status,
          model.entries,
          model.lastUpdate,
          model.stopMessage
        )}
      />
    );
  }

  private _trans: TranslationBundle;
  private _label: string;
}

export namespace CreditsStatusItem {
  export interface IOptions {
    model: CreditsModel;
    trans: TranslationBundle;
    label?: string;
  }
}
