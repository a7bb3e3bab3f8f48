/**
 * The public API: a read-only view of this page's credits, and the ids of
 * the commands. Everything else in this package is internal.
 */
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import type { IHubLocation } from './client/location';
import type { IThresholds, Level } from './model/levels';
import type { ConnectionState, IConnectionStatus } from './model/state';
import type { Estimate, IBalanceSample, ICreditEntry } from './model/types';

export type { IHubLocation } from './client/location';
export type { IThresholds, Level } from './model/levels';
export type { ConnectionState, IConnectionStatus } from './model/state';
export type {
  Estimate,
  IBalance,
  IBalanceSample,
  ICreditEntry,
  IGrant,
  IProjectCredits
} from './model/types';

/**
 * The credits as every view reads them. Read-only: values and a signal,
 * no writer. Values are frozen.
 */
export interface ICreditsModel {
  /** Emitted after every change. */
  readonly stateChanged: ISignal<ICreditsModel, void>;
  readonly status: IConnectionStatus;
  readonly state: ConnectionState;
  /** Every credit entry of the latest snapshot, empty before the first. */
  readonly entries: readonly ICreditEntry[];
  /** The entries the settings choose to show. */
  readonly shown: readonly ICreditEntry[];
  /** How worrying the shown balances are; `ok` unless live. */
  readonly level: Level;
  /** The thresholds of the levels (from the settings). */
  readonly thresholds: IThresholds;
  /** When the latest snapshot arrived (ms since the epoch), `null` before. */
  readonly lastUpdate: number | null;
  /** The hub's own words when it stopped the server, `''` otherwise. */
  readonly stopMessage: string;
  /** What pays for this server over time, oldest first. */
  readonly history: readonly IBalanceSample[];
  /** Whether there is anything to show (under a hub, turned on). */
  readonly visible: boolean;
  /** Where the hub is, `null` when this server does not run under one. */
  readonly hub: IHubLocation | null;
  /**
   * Whether this page's user may stop the server: its owner, as the server
   * decided from the request's identity (a guest never may).
   */
  readonly canStop: boolean;
  /** Burn rate and when the credits run out, at `now`. */
  estimate(now?: number): Estimate;
}

/**
 * The credits of this page, as this server's part reads them from the hub.
 *
 * ```ts
 * const plugin = {
 *   id: 'my-extension:plugin',
 *   requires: [IHubCredits],
 *   activate: (app, credits: IHubCredits) =>
 *     credits.model.stateChanged.connect(() => console.log(credits.model.level))
 * };
 * ```
 */
export interface IHubCredits {
  readonly model: ICreditsModel;
  /** A user's Reconnect: the server part leaves a terminal state and reads again. */
  reconnect(): void;
}

export const IHubCredits = new Token<IHubCredits>(
  'jupyterlab-hub-credits:IHubCredits',
  'The JupyterHub credits of this server (read-only).'
);

/**
 * The commands this extension adds.
 */
export namespace CommandIDs {
  export const showDetails = 'hub-credits:show-details';
  export const reconnect = 'hub-credits:reconnect';
  export const openHubHome = 'hub-credits:open-hub-home';
  export const stopServer = 'hub-credits:stop-server';
}
