/**
 * `GET hub-credits/state` → typed values, in this browser's time.
 *
 * The server part wrote the document, but a proxy or an older server part
 * may answer something else: nothing here throws, and what does not fit is
 * left out (a document without a known state is `null`).
 */
import protocol from '../protocol.json';
import type {
  Estimate,
  IBalanceSample,
  ICreditEntry,
  IGrant,
  IProjectCredits,
  IStateDocument
} from '../model/types';
import type { ConnectionState, IReason } from '../model/state';

/** The state codes the server part can say (the rest only the page knows). */
const SERVER_STATES: ReadonlySet<string> = new Set(protocol.serverStates);

/**
 * Reads a state document; `received` is this browser's time when it came
 * (the server's clock is told apart by its `now`).
 */
export function parseState(
  value: unknown,
  received: number
): IStateDocument | null {
  if (!Private.isRecord(value)) {
    return null;
  }
  const state = value.state;
  if (typeof state !== 'string' || !SERVER_STATES.has(state)) {
    return null;
  }
  const now = Private.number(value.now);
  // Server times → this browser's: the offset between the clocks.
  const offset = now === null ? 0 : received - now * 1000;
  const shift = Number.isFinite(offset) ? offset : 0;
  const time = (seconds: unknown) => Private.ms(seconds, shift);
  const entries = Object.freeze(
    Array.isArray(value.entries)
      ? value.entries
          .slice(0, protocol.maxEntries)
          .map(raw => Private.entry(raw))
          .filter((e): e is ICreditEntry => e !== null)
      : []
  );
  return {
    state: state as ConnectionState,
    reason: Private.text(value.reason, 300),
    why: Private.why(value.why, 0),
    since: time(value.since) ?? received,
    failures: Private.number(value.failures) ?? 0,
    nextAttemptAt: time(value.next_attempt),
    updated: time(value.updated),
    entries,
    stopMessage: Private.text(value.stop_message, protocol.maxMessageLength),
    history: Private.history(value.history, shift),
    historyAfter: Private.number(value.history_after) ?? 0,
    historyEnd: Private.lastTime(value.history),
    estimate: Private.estimate(value.estimate, shift, received),
    canStop: value.can_stop === true,
    seq: Private.number(value.seq) ?? 0,
    start: Private.text(value.start, 64)
  };
}

namespace Private {
  type Rec = Record<string, unknown>;

  export function isRecord(value: unknown): value is Rec {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  /** A short code, at most four parts, nested at most three deep. */
  export function why(value: unknown, depth: number): IReason | null {
    if (
      !isRecord(value) ||
      depth > 2 ||
      typeof value.code !== 'string' ||
      !/^[a-z_]{1,40}$/.test(value.code) ||
      !Array.isArray(value.parts) ||
      value.parts.length > 4
    ) {
      return null;
    }
    const parts: (string | IReason)[] = [];
    for (const part of value.parts) {
      const parsed =
        typeof part === 'string' ? text(part, 300) : why(part, depth + 1);
      if (parsed === null) {
        return null;
      }
      parts.push(parsed);
    }
    return Object.freeze({ code: value.code, parts: Object.freeze(parts) });
  }

  export function number(value: unknown): number | null {
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  /** Seconds of the server's clock as ms of this browser's. */
  export function ms(seconds: unknown, shift: number): number | null {
    const t = number(seconds);
    const local = t === null ? NaN : t * 1000 + shift;
    return Number.isFinite(local) ? local : null;
  }

  export function text(value: unknown, length: number): string {
    return typeof value === 'string' ? value.slice(0, length) : '';
  }

  export function amount(record: Rec, key: string): number | null {
    const value = number(record[key]);
    return value !== null && value >= 0 ? value : null;
  }

  /** The hub writes naive ISO times in UTC; read them as UTC. */
  export function timestamp(value: unknown): number | null {
    if (typeof value !== 'string' || !value || value.length > 64) {
      return null;
    }
    const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(zoned);
    return Number.isFinite(ms) && ms >= 0 ? ms : null;
  }

  export function grant(record: Rec): IGrant | null {
    const value = amount(record, 'grant_value');
    const interval = amount(record, 'grant_interval');
    if (value === null || interval === null || interval <= 0) {
      return null;
    }
    return Object.freeze({
      value,
      interval,
      lastUpdate: timestamp(record.grant_last_update)
    });
  }

  export function name(value: unknown): string | null {
    return typeof value === 'string' && value.length <= protocol.maxNameLength
      ? value
      : null;
  }

  export function project(value: unknown): IProjectCredits | null {
    if (!isRecord(value)) {
      return null;
    }
    const balance = amount(value, 'balance');
    const cap = amount(value, 'cap');
    const called = name(value.name);
    if (balance === null || cap === null || called === null) {
      return null;
    }
    return Object.freeze({ name: called, balance, cap, grant: grant(value) });
  }

  export function entry(value: unknown): ICreditEntry | null {
    if (!isRecord(value)) {
      return null;
    }
    const balance = amount(value, 'balance');
    const cap = amount(value, 'cap');
    if (balance === null || cap === null) {
      return null;
    }
    return Object.freeze({
      name: name(value.name),
      balance,
      cap,
      grant: grant(value),
      project: project(value.project)
    });
  }

  /** The last sample's time as the server wrote it. */
  export function lastTime(value: unknown): number | null {
    const last = Array.isArray(value) ? value[value.length - 1] : null;
    return Array.isArray(last) ? number(last[0]) : null;
  }

  export function history(
    value: unknown,
    shift: number
  ): readonly IBalanceSample[] {
    if (!Array.isArray(value)) {
      return [];
    }
    const samples: IBalanceSample[] = [];
    for (const pair of value) {
      if (Array.isArray(pair) && pair.length === 2) {
        const t = ms(pair[0], shift);
        const available = number(pair[1]);
        if (t !== null && available !== null) {
          samples.push(Object.freeze({ t, available }));
        }
      }
    }
    return Object.freeze(samples);
  }

  export function estimate(
    value: unknown,
    shift: number,
    received: number
  ): Estimate {
    if (!isRecord(value) || value.kind !== 'falling') {
      return isRecord(value) && value.kind === 'steady' ? STEADY : UNKNOWN;
    }
    const [ratePerMinute, bill, periodMs] = [
      value.ratePerMinute,
      value.bill,
      value.periodMs
    ].map(number);
    // Times of the server's clock (ms) on this browser's.
    const [stopAt, earliest, latest] = [
      value.stopAt,
      value.earliest,
      value.latest
    ].map(t => (number(t) ?? NaN) + shift);
    const all = [ratePerMinute, bill, periodMs, stopAt, earliest, latest];
    if (!all.every(n => n !== null && Number.isFinite(n))) {
      return UNKNOWN;
    }
    return Object.freeze({
      kind: 'falling',
      ratePerMinute: ratePerMinute!,
      bill: bill!,
      periodMs: periodMs!,
      msToStop: Math.max(0, stopAt - received),
      stopAt,
      earliest,
      latest
    });
  }

  export const UNKNOWN: Estimate = Object.freeze({ kind: 'unknown' });
  const STEADY: Estimate = Object.freeze({ kind: 'steady' });
}
