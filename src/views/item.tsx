/**
 * The status bar item: renders the credits and the display settings, reads
 * nothing else. A button for assistive technology; Enter, Space or a click
 * opens the details.
 */
import * as React from 'react';
import { TextItem } from '@jupyterlab/statusbar';
import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { describeStatus, statusText, statusTooltip } from './format';
import { available, percentOf } from '../model/levels';
import type { Level } from '../model/levels';
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
   * Renders at most once per animation frame: the first change in a frame
   * renders at once (low latency), later ones in the same frame are folded
   * into one render at the next frame.
   */
  update(): void {
    if (this._throttled) {
      this._pending = true;
      return;
    }
    super.update();
    this._throttled = true;
    Private.nextFrame(() => this._onFrame());
  }

  dispose(): void {
    this.node.removeEventListener('click', this._activate);
    this.node.removeEventListener('keydown', this._onKeyDown);
    super.dispose();
  }

  protected render(): JSX.Element {
    const { credits: model, display } = this.model;
    const state = model.state;
    const level = model.level;
    const text = statusText(this._trans, model.status, model.shown, display);
    const node = this.node;
    node.dataset.state = state;
    node.dataset.level = level;
    node.title = statusTooltip(
      this._trans,
      model.status,
      model.entries,
      model.lastUpdate,
      model.stopMessage
    );
    node.setAttribute(
      'aria-label',
      `${text}. ${this._trans.__('Show credit details')}`
    );
    // Announce only what matters (state and level changes), not every bill.
    const announcement = this._announcement(level, text);
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

  private _announcement(level: Level, text: string): string {
    const status = this.model.credits.status;
    const state = status.state;
    const key = `${state}:${level}`;
    if (key !== this._announced) {
      const previous = this._announced;
      this._announced = key;
      // Quiet while connecting and when first live with all well; speak up
      // for trouble, a low level, and a recovery from trouble.
      const quiet =
        state === 'connecting' ||
        (state === 'live' &&
          level === 'ok' &&
          (previous === '' || previous.startsWith('connecting:')));
      if (!quiet) {
        this._announcementText =
          state === 'live' ? text : describeStatus(this._trans, status, false);
      }
    }
    return this._announcementText;
  }

  private _onFrame(): void {
    if (this._pending && !this.isDisposed) {
      this._pending = false;
      super.update();
      Private.nextFrame(() => this._onFrame());
    } else {
      this._throttled = false;
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
  private _throttled = false;
  private _pending = false;
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

namespace Private {
  /**
   * The next animation frame; a timer where there are no frames (tests).
   */
  export function nextFrame(callback: () => void): void {
    if (typeof requestAnimationFrame === 'function') {
      requestAnimationFrame(callback);
    } else {
      setTimeout(callback, 16);
    }
  }
}
