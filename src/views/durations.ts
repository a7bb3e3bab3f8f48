/**
 * Durations, grants and the estimate in words: for the details and the
 * run-out warning, which load late.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { formatAmount } from './format';
import type { Estimate } from '../model/types';

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
 * `14:20`, in the user's locale.
 */
export function formatClock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit'
  });
}

/**
 * How the estimate reads: `about 42 min (at 14:20)`, `40 min to 47 min
 * (14:18 to 14:25)` where the history allows only a range, `not
 * decreasing`, `unknown yet`.
 */
export function formatEstimate(
  trans: TranslationBundle,
  estimate: Estimate,
  now: number
): string {
  switch (estimate.kind) {
    case 'falling': {
      const { earliest, latest, stopAt, msToStop } = estimate;
      if (latest - earliest > Math.max(120000, msToStop / 5)) {
        return trans.__(
          '%1 to %2 (%3 to %4)',
          formatDuration(trans, Math.max(0, earliest - now)),
          formatDuration(trans, Math.max(0, latest - now)),
          formatClock(earliest),
          formatClock(latest)
        );
      }
      return msToStop < 60000
        ? trans.__('less than a minute (at %1)', formatClock(stopAt))
        : trans.__(
            'about %1 (at %2)',
            formatDuration(trans, msToStop),
            formatClock(stopAt)
          );
    }
    case 'steady':
      return trans.__('not decreasing');
    default:
      return trans.__('unknown yet');
  }
}
