/**
 * The status bar item: renders the credits and the display settings, reads
 * nothing else. A button for assistive technology; Enter, Space or a click
 * opens the details.
 */
import * as React from 'react';
import { TextItem } from '@jupyterlab/statusbar';
import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import { statusText } from './format';
import { available, percentOf } from '../model/levels';
import type { Level } from '../model/levels';
import { isFresh } from '../model/state';
import type { CreditsViewModel } from './viewmodel';

export class CreditsStatusItem extends VDomRenderer<CreditsViewModel> {
  constructor(options: CreditsStatusItem.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this._onActivate = options.onActivate;
    this.addClass('jp-CreditsStatus');
    this.node.setAttribute('role', 'button');
    this.node.setAttribute('aria-haspopup', 'dialog');
    this.node.setAttribute('aria-expanded', 'false');
    this.node.tabIndex = 0;
    this.node.addEventListener('click', this._activate);
    this.node.addEventListener('keydown', this._onKeyDown);
  }

  /**
   * At most one render per animation frame. Lumino 2 runs update requests
   * in a microtask, so every network chunk would render: a change renders
   * at once when the item has not rendered since the last frame began;
   * changes after that are folded into one render at the next frame.
   */
  update(): void {
    if (this._frame !== undefined) {
      this._pending = true;
      return;
    }
    super.update();
    this._frame = requestAnimationFrame(() => {
      this._frame = undefined;
      if (this._pending) {
        this._pending = false;
        this.update();
      }
    });
  }

  dispose(): void {
    if (this._frame !== undefined) {
      cancelAnimationFrame(this._frame);
    }
    this.node.removeEventListener('click', this._activate);
    this.node.removeEventListener('keydown', this._onKeyDown);
    super.dispose();
  }

  /**
   * Before each render: the attributes of the item's own node and what to
   * announce (render only returns the view of them).
   */
  protected onUpdateRequest(msg: Message): void {
    const { credits: model, display, status } = this.model;
    const text = statusText(
      this._trans,
      status,
      model.shown,
      display,
      model.lastUpdate !== null
    );
    const node = this.node;
    node.dataset.state = model.state;
    node.dataset.level = model.level;
    const describe = this.model.describe;
    node.title = describe
      ? describe.statusTooltip(
          this._trans,
          status,
          model.entries,
          model.lastUpdate,
          model.stopMessage
        )
      : '';
    node.setAttribute(
      'aria-label',
      `${text}. ${this._trans.__('Show credit details')}`
    );
    this._text = text;
    this._announce(model.level, text);
    super.onUpdateRequest(msg);
  }

  protected render(): JSX.Element {
    const { credits: model, display } = this.model;
    const { state, level } = model;
    const text = this._text;
    const announcement = this._announcementText;
    const shown = model.shown;
    const bar =
      display.format === 'bar' && shown.length > 0
        ? percentOf(available(shown[0]))
        : null;
    // Strings go into React text nodes: hub text is never parsed as HTML.
    return (
      <>
        <span
          className={`jp-CreditsStatus-indicator jp-mod-${state}`}
          aria-hidden="true"
        />
        <TextItem
          className={`jp-CreditsStatus-text jp-mod-${state} jp-mod-${level}`}
          source={text}
        />
        {bar !== null && (
          <span
            className={`jp-CreditsStatus-bar jp-mod-${level}`}
            aria-hidden="true"
          >
            <span
              className="jp-CreditsStatus-barFill"
              style={{ width: `${Math.max(0, Math.min(100, bar))}%` }}
            />
          </span>
        )}
        <span className="jp-CreditsStatus-announce" aria-live="polite">
          {announcement}
        </span>
      </>
    );
  }

  /**
   * Announces only what matters (state and level changes), not every bill.
   */
  private _announce(level: Level, text: string): void {
    const status = this.model.status;
    const state = status.state;
    // Streamed or polled, fresh numbers are one situation: a tab that
    // hides (and polls) and shows again has nothing to announce.
    const fresh = isFresh(state);
    const key = `${fresh ? 'fresh' : state}:${level}`;
    const describe = this.model.describe;
    // Trouble is spelled out: wait for the words (they load with the first
    // change) rather than announce nothing.
    if (key !== this._announced && (describe || fresh)) {
      const previous = this._announced;
      this._announced = key;
      // Quiet while connecting and when first fresh with all well; speak
      // up for trouble, a low level, and a recovery from trouble.
      const quiet =
        state === 'connecting' ||
        (fresh &&
          level === 'ok' &&
          (previous === '' || previous.startsWith('connecting:')));
      if (!quiet) {
        this._announcementText = fresh
          ? text
          : describe!.describeStatus(
              this._trans,
              status,
              false,
              this.model.credits.lastUpdate !== null
            );
      }
    }
  }

  private _activate = () => {
    this._onActivate?.();
  };

  private _onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this._activate();
    }
  };

  private _trans: TranslationBundle;
  private _onActivate?: () => void;
  // No initializer: the base constructor already calls update().
  private _frame?: number;
  private _pending = false;
  private _text = '';
  private _announced = '';
  private _announcementText = '';
}

export namespace CreditsStatusItem {
  export interface IOptions {
    model: CreditsViewModel;
    trans: TranslationBundle;
    /** Click, Enter or Space. */
    onActivate?: () => void;
  }
}
