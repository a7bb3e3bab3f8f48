/**
 * The read-only model every view and other extension reads (re-exported by
 * tokens.ts as part of the public API).
 */
import type { ISignal } from '@lumino/signaling';
import type { IThresholds, Level } from './levels';
import type { ConnectionState, IConnectionStatus } from './state';
import type {
  Estimate,
  IBalanceSample,
  ICreditEntry,
  IHubLocation
} from './types';

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
