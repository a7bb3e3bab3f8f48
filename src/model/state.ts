/**
 * The connection states a user sees, listed once for every language
 * (`protocol.json` `states`; a test keeps the two equal), and the one
 * builder of status objects. The server part says the first ones of its
 * own connection to the hub; the page adds what only it can see.
 *
 * - `connecting`: no numbers from the hub yet.
 * - `live`: streamed; `polling`: fresh as of the last poll of the hub's
 *   list (nobody looks, or the admin chose polling). Both are fresh.
 * - `reconnecting`: the server part lost the hub and retries.
 * - `offline`: the browser is offline.
 * - `disconnected`: this page cannot reach its own Jupyter server.
 * - `noextension`: the server has no server part of this extension.
 * - `unavailable`: no credit service on the hub, or no hub at all.
 * - `unauthorized`: this Jupyter server asks the user to log in again.
 * - `unreachable`: the hub refuses the server's token.
 * - `stopped`: the server was stopped; `disabled`: turned off.
 */
export const CONNECTION_STATES = [
  'connecting',
  'live',
  'polling',
  'reconnecting',
  'offline',
  'disconnected',
  'noextension',
  'unavailable',
  'unauthorized',
  'unreachable',
  'stopped',
  'disabled'
] as const;

export type ConnectionState = (typeof CONNECTION_STATES)[number];

/**
 * A reason as a code of `reasons.json` and its varying parts (a part may
 * be a reason itself): what the page words in the reader's language.
 */
export interface IReason {
  readonly code: string;
  readonly parts: readonly (string | IReason)[];
}

/**
 * The reasons the page writes itself, in English (the same templates as
 * `reasons.json`; a test keeps them equal).
 */
export const pageReasons = {
  offline: 'the browser is offline',
  page_refused: 'this Jupyter server refused the page (HTTP %1)',
  no_server_part:
    'this Jupyter server has no jupyterlab-hub-credits server part',
  not_state:
    'this Jupyter server answered something else than its credits state',
  server_not_running: 'the server is not running',
  server_http: 'HTTP %1',
  network_error: 'network error: %1',
  not_under_hub: 'this Jupyter server does not run under JupyterHub',
  turned_off: 'turned off in the settings'
} as const;

/** A page reason's status `reason` (English) and `why` (its code). */
export function because(
  code: keyof typeof pageReasons,
  ...parts: string[]
): Pick<IConnectionStatus, 'reason' | 'why'> {
  const reason = pageReasons[code].replace(
    /%(\d)/g,
    (found, n: string) => parts[Number(n) - 1] ?? found
  );
  return { reason, why: Object.freeze({ code, parts: Object.freeze(parts) }) };
}

/**
 * Whether the numbers in this state are fresh: streamed (`live`) or polled
 * on schedule (`polling`). Levels, notices and the guard act on them.
 */
export function isFresh(state: ConnectionState): boolean {
  return state === 'live' || state === 'polling';
}

/** Where the connection is and why. */
export interface IConnectionStatus {
  readonly state: ConnectionState;
  /** Why the connection is in this state, for tooltips and logs; never holds a token. */
  readonly reason: string;
  /**
   * The reason's code and parts (`reasons.json`), `null` for text without
   * one (the hub's own words): what the page translates.
   */
  readonly why: IReason | null;
  /** Consecutive failed attempts since the last valid event. */
  readonly failures: number;
  /** When the next attempt starts (ms since the epoch), while reconnecting. */
  readonly nextAttemptAt: number | null;
  /** When this state was entered (ms since the epoch). */
  readonly since: number;
}

type Details = Partial<Omit<IConnectionStatus, 'state' | 'since'>>;

/** The one builder of status objects (frozen: a reader cannot change one). */
export function connectionStatus(
  state: ConnectionState,
  since: number,
  details: Details = {}
): IConnectionStatus {
  return Object.freeze({
    state,
    reason: details.reason ?? '',
    why: details.why ?? null,
    failures: details.failures ?? 0,
    nextAttemptAt: details.nextAttemptAt ?? null,
    since
  });
}

/**
 * The status after `previous` moves to `state` at `now`: since when stays
 * while the state does not change (the rule every reader follows).
 */
export function nextStatus(
  previous: IConnectionStatus,
  state: ConnectionState,
  now: number,
  details: Details = {}
): IConnectionStatus {
  return connectionStatus(
    state,
    previous.state === state ? previous.since : now,
    details
  );
}
