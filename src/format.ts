/**
 * Text, levels and tooltips for the status bar item, from a model's values
 * and the display settings. Pure: no DOM, no model.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IBalance, ICreditEntry } from './payload';
import type { Estimate } from './predict';
import type { IConnectionStatus } from './stream';

export type TextFormat = 'fraction' | 'percent' | 'remaining' | 'bar';
export type ShowWhat = 'both' | 'user' | 'project';
export type Level = 'ok' | 'warning' | 'critical';

/**
 * The display settings.
 */
export interface IDisplayOptions {
  label: string;
  show: ShowWhat;
  /** Entry names to show; empty shows all. */
  entries: readonly string[];
  format: TextFormat;
  /** Percent of cap at or below which the item warns. */
  warningPercent: number;
  /** Percent of cap at or below which the item is critical. */
  criticalPercent: number;
}

export const DEFAULT_DISPLAY: IDisplayOptions = {
  label: 'Credits',
  show: 'both',
  entries: [],
  format: 'fraction',
  warningPercent: 25,
  criticalPercent: 10
};

/**
 * `95`, `95.5`, `1,000` — at most two decimals, grouped by the locale.
 */
export function formatAmount(value: number, locale?: string): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 2 });
}

/**
 * Percent of cap, 0 when the cap is 0.
 */
export function percentOf(amounts: IBalance): number {
  return amounts.cap > 0 ? (amounts.balance / amounts.cap) * 100 : 0;
}

/**
 * One balance in the chosen format: `95 / 100`, `95 %`, `95 left`.
 * (`bar` shows the fraction next to a drawn bar.)
 */
export function formatBalance(
  trans: TranslationBundle,
  amounts: IBalance,
  format: TextFormat
): string {
  switch (format) {
    case 'percent':
      return trans.__('%1 %', Math.floor(percentOf(amounts)));
    case 'remaining':
      return trans.__('%1 left', formatAmount(amounts.balance));
    default:
      return `${formatAmount(amounts.balance)} / ${formatAmount(amounts.cap)}`;
  }
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
 * ok / warning / critical from the share of cap left.
 */
export function levelOf(
  amounts: IBalance,
  options: Pick<IDisplayOptions, 'warningPercent' | 'criticalPercent'>
): Level {
  if (amounts.cap <= 0) {
    return 'ok';
  }
  const percent = percentOf(amounts);
  if (percent <= options.criticalPercent) {
    return 'critical';
  }
  return percent <= options.warningPercent ? 'warning' : 'ok';
}

/**
 * The worst level among the shown entries.
 */
export function worstLevel(
  entries: readonly ICreditEntry[],
  options: Pick<IDisplayOptions, 'warningPercent' | 'criticalPercent'>
): Level {
  const order: Level[] = ['ok', 'warning', 'critical'];
  let worst = 0;
  for (const entry of entries) {
    worst = Math.max(worst, order.indexOf(levelOf(available(entry), options)));
  }
  return order[worst];
}

/**
 * The balances part of the item, e.g. `95 / 100 · community1: 1,000 / 1,000`.
 */
export function formatEntries(
  trans: TranslationBundle,
  entries: readonly ICreditEntry[],
  options: Pick<IDisplayOptions, 'show' | 'format'>
): string {
  const named = entries.length > 1;
  return entries
    .map(entry => {
      const own = formatBalance(trans, entry, options.format);
      const user = named && entry.name ? `${entry.name} ${own}` : own;
      const project = entry.project
        ? `${entry.project.name}: ${formatBalance(trans, entry.project, options.format)}`
        : '';
      if (options.show === 'project' && project) {
        return project;
      }
      if (options.show === 'user' || !project) {
        return user;
      }
      return `${user} · ${project}`;
    })
    .join(' | ');
}

/**
 * What the status bar item says.
 */
export function statusText(
  trans: TranslationBundle,
  status: IConnectionStatus,
  entries: readonly ICreditEntry[],
  options: IDisplayOptions
): string {
  const label = options.label;
  switch (status.state) {
    case 'stopped':
      return trans.__('%1: server stopped', label);
    case 'unauthorized':
      return trans.__('%1: not signed in', label);
    case 'unavailable':
    case 'disabled':
      return '';
    default:
      break;
  }
  const offline = status.state === 'offline';
  const shown = selectEntries(entries, options.entries);
  if (shown.length === 0) {
    if (status.state === 'live') {
      return trans.__('%1: no charge', label);
    }
    return offline ? trans.__('%1: offline', label) : trans.__('%1: …', label);
  }
  const balances = formatEntries(trans, shown, options);
  if (status.state === 'live') {
    return `${label}: ${balances}`;
  }
  // Never a stale number presented as fresh.
  return offline
    ? trans.__('%1: %2 (offline)', label, balances)
    : trans.__('%1: %2 (reconnecting)', label, balances);
}

/**
 * `4 min`, `1 h 5 min`, `2 d 3 h`, `less than a minute`.
 */
export function formatDuration(trans: TranslationBundle, ms: number): string {
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) {
    return trans.__('less than a minute');
  }
  if (minutes < 60) {
    return trans._n('%1 min', '%1 min', minutes);
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return minutes % 60
      ? trans.__('%1 h %2 min', hours, minutes % 60)
      : trans.__('%1 h', hours);
  }
  return trans.__('%1 d %2 h', Math.floor(hours / 24), hours % 24);
}

/**
 * `+10 every 10 min, next in 4 min` from a grant, when the stream has it.
 */
export function formatGrant(
  trans: TranslationBundle,
  grant: { value: number; interval: number; lastUpdate: number | null },
  now: number
): string {
  const every = formatDuration(trans, grant.interval * 1000);
  const base = trans.__('+%1 every %2', formatAmount(grant.value), every);
  if (grant.lastUpdate === null) {
    return base;
  }
  const next = grant.lastUpdate + grant.interval * 1000 - now;
  return next > 0
    ? trans.__('%1, next in %2', base, formatDuration(trans, next))
    : trans.__('%1, next any moment', base);
}

/**
 * How the estimate reads: `about 8 min`, `not decreasing`, `unknown yet`.
 */
export function formatEstimate(
  trans: TranslationBundle,
  estimate: Estimate
): string {
  switch (estimate.kind) {
    case 'falling':
      return trans.__('about %1', formatDuration(trans, estimate.msToEmpty));
    case 'steady':
      return trans.__('not decreasing');
    default:
      return trans.__('unknown yet');
  }
}

/**
 * The connection state in words, with since when.
 */
export function describeStatus(
  trans: TranslationBundle,
  status: IConnectionStatus,
  hasEntries: boolean
): string {
  const since = new Date(status.since).toLocaleTimeString();
  switch (status.state) {
    case 'connecting':
      return trans.__('Connecting to the hub…');
    case 'live':
      return hasEntries
        ? trans.__('Live since %1', since)
        : trans.__(
            'Connected since %1; the hub sends no balance for this server: it is free of charge.',
            since
          );
    case 'reconnecting':
    case 'offline':
      return status.reason
        ? trans.__(
            'Connection lost since %1 (%2); reconnecting…',
            since,
            status.reason
          )
        : trans.__('Reconnecting…');
    case 'stopped':
      return trans.__(
        'The hub stopped this server at %1 (%2).',
        since,
        status.reason
      );
    case 'unauthorized':
      return trans.__(
        'Cannot read credits since %1: %2. Log in to the hub again.',
        since,
        status.reason
      );
    case 'unavailable':
      return trans.__('Credits unavailable: %1.', status.reason);
    case 'disabled':
      return trans.__('Turned off in the settings.');
  }
}

/**
 * The tooltip: every balance spelled out, then the connection state.
 */
export function statusTooltip(
  trans: TranslationBundle,
  status: IConnectionStatus,
  entries: readonly ICreditEntry[],
  lastUpdate: number | null,
  stopMessage: string
): string {
  const lines: string[] = [];
  for (const entry of entries) {
    const name = entry.name ?? trans.__('Your credits');
    lines.push(
      trans.__(
        '%1: %2 of %3 credits left',
        name,
        formatAmount(entry.balance),
        formatAmount(entry.cap)
      )
    );
    if (entry.project) {
      lines.push(
        trans.__(
          'Project %1: %2 of %3 credits left (used first)',
          entry.project.name,
          formatAmount(entry.project.balance),
          formatAmount(entry.project.cap)
        )
      );
    }
  }
  if (status.state === 'stopped' && stopMessage) {
    lines.push(stopMessage);
  } else {
    lines.push(describeStatus(trans, status, entries.length > 0));
  }
  if (lastUpdate !== null) {
    lines.push(
      trans.__('Last update at %1', new Date(lastUpdate).toLocaleTimeString())
    );
  }
  lines.push(trans.__('Click for details.'));
  return lines.join('\n');
}
