/**
 * Text for the status bar item and its tooltip, from a model's values.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IBalance, ICreditEntry } from './payload';
import type { IConnectionStatus } from './stream';

/**
 * `95`, `95.5`, `1,000` — at most two decimals, grouped by the locale.
 */
export function formatAmount(value: number, locale?: string): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 2 });
}

/**
 * `95 / 100`.
 */
export function formatFraction(amounts: IBalance, locale?: string): string {
  return `${formatAmount(amounts.balance, locale)} / ${formatAmount(amounts.cap, locale)}`;
}

/**
 * The balances part of the item: `95 / 100 · community1: 1000 / 1000`; with
 * several named entries each is prefixed with its name.
 */
export function formatEntries(
  entries: readonly ICreditEntry[],
  locale?: string
): string {
  const named = entries.length > 1;
  return entries
    .map(entry => {
      const own = formatFraction(entry, locale);
      const user = named && entry.name ? `${entry.name} ${own}` : own;
      return entry.project
        ? `${user} · ${entry.project.name}: ${formatFraction(entry.project, locale)}`
        : user;
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
  label: string
): string {
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
  if (entries.length === 0) {
    if (status.state === 'live') {
      return trans.__('%1: no charge', label);
    }
    return offline ? trans.__('%1: offline', label) : trans.__('%1: …', label);
  }
  const balances = formatEntries(entries);
  if (status.state === 'live') {
    return `${label}: ${balances}`;
  }
  // Never a stale number presented as fresh.
  return offline
    ? trans.__('%1: %2 (offline)', label, balances)
    : trans.__('%1: %2 (reconnecting)', label, balances);
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
  const since = new Date(status.since).toLocaleTimeString();
  switch (status.state) {
    case 'connecting':
      lines.push(trans.__('Connecting to the hub…'));
      break;
    case 'live':
      if (entries.length === 0) {
        lines.push(
          trans.__(
            'The hub sends no balance for this server: it is free of charge.'
          )
        );
      }
      if (lastUpdate !== null) {
        lines.push(
          trans.__('Updated at %1', new Date(lastUpdate).toLocaleTimeString())
        );
      }
      break;
    case 'reconnecting':
      lines.push(
        trans.__(
          'Connection lost at %1 (%2); reconnecting…',
          since,
          status.reason
        )
      );
      break;
    case 'stopped':
      lines.push(
        stopMessage ||
          trans.__('The hub stopped this server (%1).', status.reason)
      );
      break;
    case 'unauthorized':
      lines.push(
        trans.__(
          'Cannot read credits: %1. Log in to the hub again.',
          status.reason
        )
      );
      break;
    default:
      lines.push(status.reason);
  }
  return lines.join('\n');
}
