/**
 * The values the model holds, as the server part computed them.
 */
import type { IConnectionStatus } from './state';

/** A balance and the most it can hold. */
export interface IBalance {
  readonly balance: number;
  readonly cap: number;
}

/**
 * A periodic grant: `value` credits every `interval` seconds, up to the cap.
 */
export interface IGrant {
  readonly value: number;
  /** Seconds between grants. */
  readonly interval: number;
  /** Time of the last grant in ms since the epoch, `null` when unknown. */
  readonly lastUpdate: number | null;
}

/** A project's shared credits. */
export interface IProjectCredits extends IBalance {
  readonly name: string;
  readonly grant: IGrant | null;
}

/** One named credit entry of a user, possibly linked to a project. */
export interface ICreditEntry extends IBalance {
  /** Entry name; `null` when the hub did not say which entry pays. */
  readonly name: string | null;
  readonly grant: IGrant | null;
  readonly project: IProjectCredits | null;
}

/** What paid for this server at one time. */
export interface IBalanceSample {
  /** ms since the epoch. */
  readonly t: number;
  /** The balance plus the project's. */
  readonly available: number;
}

/** Burn rate and the predicted stop, as the server part estimates them. */
export type Estimate =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'steady' }
  | {
      readonly kind: 'falling';
      /** Credits per minute. */
      readonly ratePerMinute: number;
      /** One bill, in credits. */
      readonly bill: number;
      /** The time one bill takes, in ms. */
      readonly periodMs: number;
      /** From `now` until the predicted stop. */
      readonly msToStop: number;
      /** The predicted stop (ms since the epoch)... */
      readonly stopAt: number;
      /** ...no earlier than this and no later than that. */
      readonly earliest: number;
      readonly latest: number;
    };

/** What the single-user server told the page about its hub. */
export interface IHubLocation {
  /** Origin of the hub when it differs from the page's, e.g. `https://hub.example.org`; else `''`. */
  readonly host: string;
  /** Path prefix of the hub with leading and trailing slash, e.g. `/hub/`. */
  readonly prefix: string;
  /** The server's owner (whose credits pay for it). */
  readonly user: string;
  /** The named server, `''` for the default server. */
  readonly serverName: string;
  /**
   * Who is looking, as PageConfig names them (on JupyterHub 6 a display
   * name): for words only. Who may stop the server is the server's
   * decision (`ICreditsModel.canStop`).
   */
  readonly viewer: string;
  /** This server's base URL (a path with leading and trailing slash). */
  readonly baseUrl: string;
}

/** What one state document says, times in ms of this browser's clock. */
export interface IStateDocument extends IConnectionStatus {
  /** When the last numbers came, `null` before the first. */
  readonly updated: number | null;
  /** Every entry, the one that pays first. */
  readonly entries: readonly ICreditEntry[];
  readonly stopMessage: string;
  readonly history: readonly IBalanceSample[];
  /**
   * The history holds only the samples after this time (the server's
   * seconds, as asked); 0: all of it.
   */
  readonly historyAfter: number;
  /** The last sample's time in the server's seconds, `null` without one. */
  readonly historyEnd: number | null;
  readonly estimate: Estimate;
  /** Whether this page's user may stop the server (decided by the server). */
  readonly canStop: boolean;
  /** Which change this is, and which run of the server part. */
  readonly seq: number;
  readonly start: string;
}
