/**
 * The connection state a user sees, and the one builder of status objects.
 */

/**
 * The connection states a user sees.
 *
 * Terminal (no retry): `unavailable`, `unauthorized`, `unreachable`,
 * `stopped`, `disabled`. `unreachable`: the credits exist but cannot be
 * read from this page (no relay in the server, or the hub refuses the
 * server's token).
 * `offline` means paused by the browser being offline, or still retrying
 * after many consecutive failures.
 */
export type ConnectionState =
  | 'connecting'
  | 'live'
  | 'reconnecting'
  | 'offline'
  | 'unavailable'
  | 'unauthorized'
  | 'unreachable'
  | 'stopped'
  | 'disabled';

/**
 * Where the connection is and why.
 */
export interface IConnectionStatus {
  readonly state: ConnectionState;
  /** Why the connection is in this state, for tooltips and logs; never holds a token. */
  readonly reason: string;
  /** Consecutive failed attempts since the last valid event. */
  readonly failures: number;
  /** When the next attempt starts (ms since the epoch), while reconnecting. */
  readonly nextAttemptAt: number | null;
  /** When this state was entered (ms since the epoch). */
  readonly since: number;
}

/**
 * The one builder of status objects (frozen: a reader cannot change one).
 */
export function connectionStatus(
  state: ConnectionState,
  since: number,
  details: Partial<
    Pick<IConnectionStatus, 'reason' | 'failures' | 'nextAttemptAt'>
  > = {}
): IConnectionStatus {
  return Object.freeze({
    state,
    reason: details.reason ?? '',
    failures: details.failures ?? 0,
    nextAttemptAt: details.nextAttemptAt ?? null,
    since
  });
}

/**
 * Whether two statuses say the same (ignoring since when).
 */
export function sameStatus(
  a: IConnectionStatus,
  b: IConnectionStatus
): boolean {
  return (
    a.state === b.state &&
    a.reason === b.reason &&
    a.failures === b.failures &&
    a.nextAttemptAt === b.nextAttemptAt
  );
}
