/**
 * The connection state and the balances spelled out: the item's tooltip
 * and announcements, the details' state line. Loaded with the first change
 * of the credits (see viewmodel.ts): nothing of it is needed at start.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ICreditEntry } from '../model/types';
import type { IConnectionStatus } from '../model/state';
import { formatAmount } from './format';

/**
 * The connection state in words, with since when.
 *
 * @param answered - whether the hub has answered yet (the model's
 *   `lastUpdate !== null`). Until it has, no entries means "no numbers
 *   yet", never "free of charge".
 */
export function describeStatus(
  trans: TranslationBundle,
  status: IConnectionStatus,
  hasEntries: boolean,
  answered = true
): string {
  const since = new Date(status.since).toLocaleTimeString();
  switch (status.state) {
    case 'connecting':
      return trans.__('Connecting to the hub…');
    case 'live':
      if (hasEntries) {
        return trans.__('Live since %1', since);
      }
      return answered
        ? trans.__(
            'Connected since %1; the hub sends no balance for this server: it is free of charge.',
            since
          )
        : trans.__(
            "Connected since %1; waiting for the hub's first numbers.",
            since
          );
    case 'polling':
      return Private.polling(trans, status, hasEntries, answered);
    case 'disconnected':
      return trans.__(
        'This page cannot reach its Jupyter server since %1 (%2); trying again at %3.',
        since,
        status.reason,
        status.nextAttemptAt === null
          ? '…'
          : new Date(status.nextAttemptAt).toLocaleTimeString()
      );
    case 'noextension':
      return trans.__(
        "This Jupyter server has no jupyterlab-hub-credits server part: ask the hub's admin to install jupyterlab-hub-credits in the single-user image (pip install jupyterlab-hub-credits) and to enable its server extension."
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
    case 'unreachable':
      return trans.__(
        'The credits of this server cannot be read: %1.',
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
  lines.push(
    stateLine(
      trans,
      status,
      entries.length > 0,
      stopMessage,
      lastUpdate !== null
    )
  );
  if (lastUpdate !== null) {
    lines.push(lastUpdateLine(trans, lastUpdate));
  }
  lines.push(trans.__('Click for details.'));
  return lines.join('\n');
}

/**
 * The connection state for the tooltip and the details: the hub's own
 * words after a stop, else the state in ours.
 */
export function stateLine(
  trans: TranslationBundle,
  status: IConnectionStatus,
  hasEntries: boolean,
  stopMessage: string,
  answered = true
): string {
  return status.state === 'stopped' && stopMessage
    ? stopMessage
    : describeStatus(trans, status, hasEntries, answered);
}

/**
 * `Last update at 14:02:11`.
 */
export function lastUpdateLine(
  trans: TranslationBundle,
  lastUpdate: number
): string {
  return trans.__(
    'Last update at %1',
    new Date(lastUpdate).toLocaleTimeString()
  );
}

namespace Private {
  /**
   * The polling state: fresh as of the last poll, and when the next comes
   * (and which credit entry was guessed, when that was a guess).
   */
  export function polling(
    trans: TranslationBundle,
    status: IConnectionStatus,
    hasEntries: boolean,
    answered: boolean
  ): string {
    const since = new Date(status.since).toLocaleTimeString();
    const lines = [
      hasEntries
        ? trans.__(
            'Read from the hub at intervals instead of a live stream, to spare the hub (since %1).',
            since
          )
        : answered
          ? trans.__(
              'No credit entry pays for this server: it is free of charge (polled since %1).',
              since
            )
          : trans.__(
              "Polling the hub since %1; waiting for the hub's first numbers.",
              since
            )
    ];
    if (status.nextAttemptAt !== null) {
      lines.push(
        trans.__(
          'Next update at %1.',
          new Date(status.nextAttemptAt).toLocaleTimeString()
        )
      );
    }
    if (status.reason) {
      lines.push(status.reason);
    }
    return lines.join(' ');
  }
}
