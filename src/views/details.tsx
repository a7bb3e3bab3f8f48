/**
 * The details: balances with bars, grants, burn rate, time to empty, a
 * sparkline of this session, the connection state, and actions. Loaded on
 * first use (a chunk of its own).
 */
import * as React from 'react';
import '../../style/details.css';
import type { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { formatAmount } from './format';
import { lastUpdateLine, stateLine } from './describe';
import { formatEstimate, formatGrant } from './durations';
import { levelOf, percentOf } from '../model/levels';
import type { IBalance, IGrant } from '../model/types';
import type { IBalanceSample } from '../model/types';
import type { CreditsViewModel } from './viewmodel';
import type { IFinding } from '../client/doctor';

/** The heading's id: the details are labelled by it. */
const TITLE_ID = 'jp-CreditsDetails-title';

export class CreditsDetails extends VDomRenderer<CreditsViewModel> {
  constructor(options: CreditsDetails.IOptions) {
    super(options.model);
    this._options = options;
    this.addClass('jp-CreditsDetails');
    this.node.setAttribute('role', 'dialog');
    this.node.setAttribute('aria-modal', 'true');
    this.node.setAttribute('aria-labelledby', TITLE_ID);
    // "next grant in", "time to empty" move with the clock.
    this._ticker = setInterval(() => this.update(), 15000);
  }

  dispose(): void {
    clearInterval(this._ticker);
    super.dispose();
  }

  /**
   * Moves the focus to the first control, once React has rendered them.
   */
  async focusFirst(): Promise<void> {
    MessageLoop.sendMessage(this, Widget.Msg.UpdateRequest);
    await this.renderPromise;
    this.node
      .querySelector<HTMLButtonElement>('button:not(:disabled)')
      ?.focus();
  }

  protected render(): JSX.Element {
    const { trans } = this._options;
    const model = this.model.credits;
    const now = Date.now();
    const entries = model.shown;
    return (
      <div className="jp-CreditsDetails-body">
        <h2 className="jp-CreditsDetails-title" id={TITLE_ID}>
          {trans.__('Hub credits')}
        </h2>
        {entries.length === 0 && (
          <p>{trans.__('No balance received for this server yet.')}</p>
        )}
        {entries.map((entry, i) => (
          <section key={i} className="jp-CreditsDetails-entry">
            {this._balance(
              entry.name ?? trans.__('Your credits'),
              entry,
              entry.grant,
              now
            )}
            {entry.project &&
              this._balance(
                trans.__('Project %1 (pays first)', entry.project.name),
                entry.project,
                entry.project.grant,
                now
              )}
          </section>
        ))}
        {entries.length > 0 && this._facts(now)}
        {model.history.length > 1 && (
          <Sparkline
            samples={model.history}
            label={trans.__('Balance over the last hours')}
          />
        )}
        {this._status()}
        {this._actions()}
        {this._findings()}
      </div>
    );
  }

  /**
   * Burn rate and when the hub will stop the server.
   */
  private _facts(now: number): JSX.Element {
    const { trans } = this._options;
    const estimate = this.model.credits.estimate(now);
    return (
      <dl className="jp-CreditsDetails-facts">
        <dt>{trans.__('Burn rate')}</dt>
        <dd className="jp-CreditsDetails-rate">
          {estimate.kind === 'falling'
            ? trans.__(
                '%1 credits per minute',
                formatAmount(estimate.ratePerMinute)
              )
            : estimate.kind === 'steady'
              ? trans.__('not decreasing')
              : trans.__('unknown yet')}
        </dd>
        <dt>{trans.__('Runs out in')}</dt>
        <dd
          className="jp-CreditsDetails-eta"
          data-stop-at={
            estimate.kind === 'falling' ? estimate.stopAt : undefined
          }
        >
          {formatEstimate(trans, estimate, now)}
        </dd>
      </dl>
    );
  }

  /**
   * The connection state and the last update.
   */
  private _status(): JSX.Element {
    const { trans } = this._options;
    const model = this.model.credits;
    return (
      <p className={`jp-CreditsDetails-status jp-mod-${model.state}`}>
        {stateLine(
          trans,
          this.model.status,
          model.entries.length > 0,
          model.stopMessage,
          model.lastUpdate !== null
        )}
        {model.lastUpdate !== null && (
          <>
            <br />
            {lastUpdateLine(trans, model.lastUpdate)}
          </>
        )}
      </p>
    );
  }

  /**
   * Reconnect, hub home and (for the owner) stop.
   */
  private _actions(): JSX.Element {
    const { trans, actions } = this._options;
    const running = !['stopped', 'unavailable', 'disabled'].includes(
      this.model.credits.state
    );
    return (
      <div className="jp-CreditsDetails-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-reject"
          onClick={actions.reconnect}
          disabled={!running}
        >
          {trans.__('Reconnect')}
        </button>
        {actions.openHubHome && (
          <button
            className="jp-Button jp-mod-styled jp-mod-reject"
            onClick={actions.openHubHome}
          >
            {trans.__('Open hub home')}
          </button>
        )}
        {actions.check && (
          <button
            className="jp-Button jp-mod-styled jp-mod-reject"
            onClick={() => void this._check()}
            disabled={this._checks === 'checking'}
          >
            {trans.__('Check set-up')}
          </button>
        )}
        {actions.stopServer && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn"
            onClick={actions.stopServer}
            disabled={!running}
          >
            {trans.__('Stop my server…')}
          </button>
        )}
      </div>
    );
  }

  /**
   * Runs the doctor's checks (the owner's action).
   */
  private async _check(): Promise<void> {
    const check = this._options.actions.check;
    if (!check) {
      return;
    }
    this._checks = 'checking';
    this.update();
    try {
      this._checks = await check();
    } catch (error) {
      this._checks = error instanceof Error ? error.message : String(error);
    }
    this.update();
  }

  /**
   * The checks' findings, each with what to do; the server's words as text.
   */
  private _findings(): JSX.Element | null {
    const { trans } = this._options;
    const checks = this._checks;
    if (checks === null) {
      return null;
    }
    if (!Array.isArray(checks)) {
      return (
        <p className="jp-CreditsDetails-findings" role="status">
          {checks === 'checking'
            ? trans.__('Checking…')
            : trans.__('The checks could not run: %1', checks)}
        </p>
      );
    }
    const marks = { ok: '✓', warn: '!', fail: '✗' };
    return (
      <ul className="jp-CreditsDetails-findings" role="status">
        {checks.map((finding, i) => (
          <li key={i} className={`jp-mod-${finding.level}`}>
            <span aria-hidden="true">{marks[finding.level]} </span>
            {finding.title}
            {finding.fix && (
              <span className="jp-CreditsDetails-fix"> → {finding.fix}</span>
            )}
          </li>
        ))}
      </ul>
    );
  }

  private _balance(
    title: string,
    amounts: IBalance,
    grant: IGrant | null,
    now: number
  ): JSX.Element {
    const { trans } = this._options;
    const percent = Math.max(0, Math.min(100, percentOf(amounts)));
    const level = levelOf(amounts, this.model.credits.thresholds);
    return (
      <div className="jp-CreditsDetails-balance">
        <div className="jp-CreditsDetails-balanceTitle">{title}</div>
        <div
          className={`jp-CreditsDetails-bar jp-mod-${level}`}
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={amounts.cap}
          aria-valuenow={amounts.balance}
          aria-label={title}
        >
          <div
            className="jp-CreditsDetails-barFill"
            style={{ width: `${percent}%` }}
          />
        </div>
        <div className="jp-CreditsDetails-amount">
          {trans.__(
            '%1 of %2 credits',
            formatAmount(amounts.balance),
            formatAmount(amounts.cap)
          )}
          {grant && (
            <span className="jp-CreditsDetails-grant">
              {' · '}
              {formatGrant(trans, grant, now)}
            </span>
          )}
        </div>
      </div>
    );
  }

  private _options: CreditsDetails.IOptions;
  private _checks: IFinding[] | 'checking' | string | null = null;
  private _ticker: ReturnType<typeof setInterval>;
}

export namespace CreditsDetails {
  /**
   * What the buttons do; a button whose action is absent is not shown.
   */
  export interface IActions {
    reconnect: () => void;
    openHubHome?: () => void;
    stopServer?: () => void;
    /** The doctor's checks (the server's owner only). */
    check?: () => Promise<IFinding[]>;
  }

  export interface IOptions {
    model: CreditsViewModel;
    trans: TranslationBundle;
    actions: IActions;
  }
}

/**
 * The balance since the page opened, as an SVG line; no chart library.
 */
function Sparkline(props: {
  samples: readonly IBalanceSample[];
  label: string;
}): JSX.Element {
  const width = 200;
  const height = 36;
  const { samples } = props;
  const t0 = samples[0].t;
  const t1 = samples[samples.length - 1].t;
  let max = 0;
  for (const s of samples) {
    max = Math.max(max, s.available);
  }
  const x = (t: number) => (t1 > t0 ? ((t - t0) / (t1 - t0)) * width : 0);
  const y = (v: number) =>
    max > 0 ? height - 2 - (v / max) * (height - 4) : height - 2;
  const points = samples
    .map(s => `${x(s.t).toFixed(1)},${y(s.available).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      className="jp-CreditsDetails-sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={props.label}
    >
      <title>{props.label}</title>
      <polyline points={points} fill="none" />
    </svg>
  );
}
