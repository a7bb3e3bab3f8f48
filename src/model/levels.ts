/**
 * Which entries are shown and how worrying their balance is: the rules the
 * model applies (views only render the result).
 */
import type { IBalance, ICreditEntry } from './types';

export type Level = 'ok' | 'warning' | 'critical';

/** Levels in order of concern; the one ranking of them. */
export const LEVEL_RANK: Readonly<Record<Level, number>> = {
  ok: 0,
  warning: 1,
  critical: 2
};

/** The thresholds, in percent of cap. */
export interface IThresholds {
  /** At or below this share of the cap the item warns. */
  readonly warningPercent: number;
  /** At or below this share of the cap the item is critical. */
  readonly criticalPercent: number;
}

/** Percent of cap, 0 when the cap is 0. */
export function percentOf(amounts: IBalance): number {
  return amounts.cap > 0 ? (amounts.balance / amounts.cap) * 100 : 0;
}

/**
 * What pays for the server: the user's balance and the project's together
 * (the hub bills the project first, then the user).
 */
export function available(entry: ICreditEntry): IBalance {
  return {
    balance: entry.balance + (entry.project?.balance ?? 0),
    cap: entry.cap + (entry.project?.cap ?? 0)
  };
}

/**
 * The entries the settings ask for (all when none are named; all when none
 * of the named exist, rather than an empty item).
 */
export function selectEntries(
  entries: readonly ICreditEntry[],
  names: readonly string[]
): readonly ICreditEntry[] {
  if (names.length === 0) {
    return entries;
  }
  const chosen = entries.filter(e => e.name !== null && names.includes(e.name));
  return chosen.length > 0 ? chosen : entries;
}

/**
 * ok / warning / critical from the share of cap left. A critical threshold
 * above the warning threshold counts as the warning threshold.
 */
export function levelOf(amounts: IBalance, thresholds: IThresholds): Level {
  if (amounts.cap <= 0) {
    return 'ok';
  }
  const percent = percentOf(amounts);
  const critical = Math.min(
    thresholds.criticalPercent,
    thresholds.warningPercent
  );
  if (percent <= critical) {
    return 'critical';
  }
  return percent <= thresholds.warningPercent ? 'warning' : 'ok';
}

/** The worst level among the entries. */
export function worstLevel(
  entries: readonly ICreditEntry[],
  thresholds: IThresholds
): Level {
  let worst: Level = 'ok';
  for (const entry of entries) {
    const level = levelOf(available(entry), thresholds);
    if (LEVEL_RANK[level] > LEVEL_RANK[worst]) {
      worst = level;
    }
  }
  return worst;
}
