/**
 * The connection policy as pure functions: what a hub response means, how
 * long to wait before the next attempt, which state a user sees meanwhile.
 * No timers, no I/O: every rule can be read and tested on its own.
 */
import protocol from './protocol.json';

/**
 * The retry and watchdog timings, in milliseconds.
 */
export interface IStreamTimings {
  /** First retry waits up to this long (full jitter). */
  readonly backoffBaseMs: number;
  readonly backoffFactor: number;
  /** No retry waits longer than this. */
  readonly backoffCapMs: number;
  /** Give up on an attempt that has no response headers after this long. */
  readonly connectTimeoutMs: number;
  /** Reconnect when no byte arrived for this long (the hub sends a keepalive every 8 s). */
  readonly heartbeatTimeoutMs: number;
  /** Show `offline` (while still retrying) after this many failures in a row. */
  readonly offlineAfterFailures: number;
}

/**
 * The timings for code that runs without settings (the settings schema
 * holds the defaults of those users can set), from the protocol file both
 * languages read.
 */
export const STREAM_TIMINGS: IStreamTimings = {
  backoffBaseMs: protocol.timings.backoffBaseSeconds * 1000,
  backoffFactor: protocol.timings.backoffFactor,
  backoffCapMs: protocol.timings.backoffCapSeconds * 1000,
  connectTimeoutMs: protocol.timings.connectTimeoutSeconds * 1000,
  heartbeatTimeoutMs: protocol.timings.heartbeatTimeoutSeconds * 1000,
  offlineAfterFailures: protocol.timings.offlineAfterFailures
};

/**
 * How many times a 409/404 that follows a lost connection is checked again
 * before the server counts as stopped (the stop event is believed at once).
 */
export const STOP_CHECKS = protocol.timings.stopChecks;

/**
 * What one response means.
 *
 * - `open`: read the stream.
 * - `retry`: a passing failure; try again later (not before `notBeforeMs`).
 * - `refused`: this way in is refused; try the next way, or end unauthorized.
 * - `end`: a terminal state.
 */
export type Verdict =
  | { readonly kind: 'open' }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly notBeforeMs: number;
    }
  | {
      readonly kind: 'refused';
      readonly reason: string;
      /** The state when no other way is left (default `unauthorized`). */
      readonly finally?: 'unreachable';
    }
  | {
      readonly kind: 'end';
      readonly state: 'unavailable' | 'unreachable' | 'stopped';
      readonly reason: string;
    };

/**
 * The part of a `Response` the policy reads.
 */
export interface IResponseHead {
  readonly status: number;
  readonly type?: string;
  readonly headers: { get(name: string): string | null };
  readonly body: unknown;
}

/**
 * A response as plain data: what the status policy decides on. The shared
 * test vectors (tests/vectors/policy.json) are written in this form, and
 * the relay's `policy.py` takes the same fields.
 */
export interface IAnswer {
  readonly status: number;
  /** `fetch` with `redirect: 'manual'` gives an opaque redirect, status 0. */
  readonly opaqueRedirect: boolean;
  /** The `Content-Type` header, `''` when absent. */
  readonly contentType: string;
  /** The `Retry-After` header, `null` when absent. */
  readonly retryAfter: string | null;
  /** Whether the response has a body to read. */
  readonly hasBody: boolean;
}

/**
 * The status-code policy.
 *
 * @param sawEvent - whether this stream delivered a snapshot before: a 404
 *   then means the hub dropped the stopped server, not a missing route.
 * @param now - the clock, for an HTTP-date `Retry-After`
 * @param relay - the response is the relay's (a 404 then means no relay)
 */
export function classify(
  response: IResponseHead,
  sawEvent: boolean,
  now: number,
  relay = false
): Verdict {
  return classifyAnswer(answerOf(response), sawEvent, now, relay);
}

/**
 * The plain-data form of a response.
 */
export function answerOf(response: IResponseHead): IAnswer {
  return {
    status: response.status,
    opaqueRedirect: response.type === 'opaqueredirect',
    contentType: response.headers.get('Content-Type') ?? '',
    retryAfter: response.headers.get('Retry-After'),
    hasBody: Boolean(response.body)
  };
}

/**
 * The status-code policy on a response as plain data (see `classify`).
 */
export function classifyAnswer(
  answer: IAnswer,
  sawEvent: boolean,
  now: number,
  relay = false
): Verdict {
  const status = answer.status;
  if (relay && status === 404 && !sawEvent) {
    return end(
      'unreachable',
      'this Jupyter server has no credits relay (install jupyterlab-hub-credits 0.2 or later where it runs)'
    );
  }
  if (answer.opaqueRedirect || (status >= 300 && status < 400)) {
    // The relay answered before: a redirect now means its server is gone
    // (with subdomains its address then leads to the hub), not a login.
    return relay && sawEvent
      ? end(
          'stopped',
          'the server no longer answers (its address leads to the hub)'
        )
      : { kind: 'refused', reason: 'the hub asked to log in' };
  }
  if (status === 401 || status === 403) {
    return {
      kind: 'refused',
      reason: `the hub refused access (HTTP ${status})`
    };
  }
  if (status === 404) {
    return sawEvent
      ? end('stopped', 'the hub no longer knows this server')
      : end('unavailable', 'the hub has no credit service (HTTP 404)');
  }
  if (status === 409 || status === 424) {
    return end('stopped', 'the server is not running');
  }
  if (status === 429 || status >= 500) {
    return {
      kind: 'retry',
      reason: `the hub answered HTTP ${status}`,
      notBeforeMs: retryAfterMs(answer.retryAfter, now)
    };
  }
  if (status !== 200) {
    return end(
      'unavailable',
      `unexpected answer from the hub (HTTP ${status})`
    );
  }
  const type = answer.contentType.toLowerCase();
  if (type.startsWith('text/html')) {
    // A login page delivered in place of the stream.
    return { kind: 'refused', reason: 'the hub answered with a login page' };
  }
  if (!type.startsWith('text/event-stream') || !answer.hasBody) {
    return end(
      'unavailable',
      `the hub did not answer with an event stream (${type || 'no content type'})`
    );
  }
  return { kind: 'open' };
}

function end(
  state: 'unavailable' | 'unreachable' | 'stopped',
  reason: string
): Verdict {
  return { kind: 'end', state, reason };
}

/**
 * `Retry-After` as a delay in ms from `now`: delay-seconds (digits, a
 * fraction allowed) or an HTTP date (IMF-fixdate, the form servers must
 * send). Anything else, and a date in the past, is no delay. `policy.py`
 * reads it by the same rule, checked on the shared vectors.
 */
export function retryAfterMs(value: string | null, now: number): number {
  // Only HTTP's own white space: `trim()` would take more than Python's.
  const text = (value ?? '').replace(/^[ \t]+|[ \t]+$/g, '');
  if (Private.SECONDS.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) ? seconds * 1000 : 0;
  }
  const date = Private.HTTP_DATE.exec(text);
  if (!date) {
    return 0;
  }
  const [, , day, , year, hours, minutes, seconds] = date.map(Number);
  const at = new Date(0);
  // Not `Date.UTC`: it reads years 0-99 as 1900-1999.
  at.setUTCFullYear(year, Private.MONTHS.indexOf(date[3]), day);
  at.setUTCHours(hours, minutes, seconds);
  return Math.max(0, at.getTime() - now);
}

/**
 * The backoff window after `failures` failed attempts in a row: the base,
 * doubling with each failure, up to the cap.
 */
export function backoffWindowMs(
  failures: number,
  timings: IStreamTimings
): number {
  return Math.min(
    timings.backoffCapMs,
    timings.backoffBaseMs * Math.pow(timings.backoffFactor, failures)
  );
}

/**
 * The wait before the next attempt: full jitter over a window that doubles
 * with each failure up to the cap, and never shorter than the hub asked
 * (`Retry-After`, `retry:`). A hint counts within [base, cap]: a long
 * maintenance `Retry-After` never stops retries for good, and a huge one
 * never overflows the timer (above 2^31 - 1 ms `setTimeout` fires at once).
 *
 * @param failures - failed attempts in a row before this one failed
 * @param random - uniform in [0, 1)
 */
export function retryDelayMs(
  failures: number,
  hintMs: number,
  timings: IStreamTimings,
  random: number
): number {
  const window = backoffWindowMs(failures, timings);
  const hint =
    hintMs > 0
      ? Math.min(Math.max(hintMs, timings.backoffBaseMs), timings.backoffCapMs)
      : 0;
  return Math.max(Math.floor(random * window), hint);
}

/**
 * What the user sees while attempts fail: `reconnecting`, then `offline`.
 */
export function failingState(
  failures: number,
  timings: IStreamTimings
): 'reconnecting' | 'offline' {
  return failures >= timings.offlineAfterFailures ? 'offline' : 'reconnecting';
}

namespace Private {
  export const SECONDS = /^[0-9]+(\.[0-9]+)?$/;
  export const MONTHS = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec'
  ];
  /** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110). */
  export const HTTP_DATE = new RegExp(
    '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) (' +
      MONTHS.join('|') +
      ') ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT$'
  );
}
