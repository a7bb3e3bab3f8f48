/**
 * Text, levels and tooltips for the status bar item, from a model's values
 * and the display settings. Pure: no DOM, no model.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { percentOf } from '../model/levels';
import type { IBalance, ICreditEntry } from '../model/types';
import type { IConnectionStatus } from '../model/state';

export type TextFormat = 'fraction' | 'percent' | 'remaining' | 'bar';
export type ShowWhat = 'both' | 'user' | 'project';

/**
 * The display settings.
 */
export interface IDisplayOptions {
  /** The word before the balance (the settings' label, or "Credits"). */
  readonly label: string;
  readonly show: ShowWhat;
  readonly format: TextFormat;
}

/**
 * `95`, `95.5`, `1,000` — at most two decimals, grouped by the locale.
 */
export function formatAmount(value: number, locale?: string): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 2 });
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
 * What the status bar item says about the shown entries.
 *
 * @param answered - whether the hub has answered yet (a snapshot applied,
 *   possibly an empty list, or a history restored). Until it has, no
 *   entries means "no numbers yet", never "free": a paying server must not
 *   read as free for a moment after the connection opens.
 */
export function statusText(
  trans: TranslationBundle,
  status: IConnectionStatus,
  shown: readonly ICreditEntry[],
  options: IDisplayOptions,
  answered = true
): string {
  const label = options.label;
  switch (status.state) {
    case 'stopped':
      return trans.__('%1: server stopped', label);
    case 'unauthorized':
      return trans.__('%1: not signed in', label);
    case 'unreachable':
      return trans.__('%1: cannot be read here', label);
    case 'noextension':
      return trans.__('%1: not set up on this server', label);
    case 'unavailable':
    case 'disabled':
      return '';
    default:
      break;
  }
  const offline = status.state === 'offline';
  // Polled numbers are as fresh as the hub's list: shown as live ones.
  const fresh = status.state === 'live' || status.state === 'polling';
  if (shown.length === 0) {
    if (fresh) {
      return answered
        ? trans.__('%1: no charge', label)
        : trans.__('%1: waiting…', label);
    }
    if (status.state === 'disconnected') {
      return trans.__('%1: server not reachable', label);
    }
    return offline ? trans.__('%1: offline', label) : trans.__('%1: …', label);
  }
  const balances = formatEntries(trans, shown, options);
  if (fresh) {
    return `${label}: ${balances}`;
  }
  if (status.state === 'disconnected') {
    return trans.__('%1: %2 (server not reachable)', label, balances);
  }
  // Never a stale number presented as fresh.
  if (status.state === 'connecting') {
    return trans.__('%1: %2 (not live yet)', label, balances);
  }
  return offline
    ? trans.__('%1: %2 (offline)', label, balances)
    : trans.__('%1: %2 (reconnecting)', label, balances);
}
