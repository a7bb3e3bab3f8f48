/**
 * The values the model holds, as the server part computed them.
 */

/**
 * A balance and the most it can hold.
 */
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

/**
 * A project's shared credits.
 */
export interface IProjectCredits extends IBalance {
  readonly name: string;
  readonly grant: IGrant | null;
}

/**
 * One named credit entry of a user, possibly linked to a project.
 */
export interface ICreditEntry extends IBalance {
  /** Entry name; `null` when the hub did not say which entry pays. */
  readonly name: string | null;
  readonly grant: IGrant | null;
  readonly project: IProjectCredits | null;
}

/**
 * What paid for this server at one time.
 */
export interface IBalanceSample {
  /** ms since the epoch. */
  readonly t: number;
  /** The balance plus the project's. */
  readonly available: number;
}

/**
 * Burn rate and the predicted stop, as the server part estimates them.
 */
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
