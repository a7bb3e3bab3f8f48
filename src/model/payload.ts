/**
 * Untrusted JSON from the hub's credits stream → typed values.
 *
 * Nothing here throws: input that does not fit becomes an `invalid` result
 * with a reason.
 */
import protocol from '../connection/protocol.json';

/**
 * A balance and the most it can hold.
 */
export interface IBalance {
  readonly balance: number;
  readonly cap: number;
}

/**
 * A periodic grant: `value` credits every `interval` seconds, up to the cap.
 */
export interface IGrant {
  readonly value: number;
  /** Seconds between grants. */
  readonly interval: number;
  /** Time of the last grant in ms since the epoch, `null` when unknown. */
  readonly lastUpdate: number | null;
}

/**
 * A project's shared credits.
 */
export interface IProjectCredits extends IBalance {
  readonly name: string;
  readonly grant: IGrant | null;
}

/**
 * One named credit entry of a user, possibly linked to a project.
 */
export interface ICreditEntry extends IBalance {
  /** Entry name; `null` on the per-server stream, which sends no name. */
  readonly name: string | null;
  readonly grant: IGrant | null;
  readonly project: IProjectCredits | null;
}

/**
 * What one stream event means.
 */
export type CreditsEvent =
  | { readonly kind: 'snapshot'; readonly entries: readonly ICreditEntry[] }
  | { readonly kind: 'stopped'; readonly message: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Parses the `data` of one stream event.
 *
 * Accepts the per-server object `{balance, cap, project?}`, the per-user list
 * `[{name, balance, cap, ..., project?}]` (and the older single object), and
 * the `{error}` event sent when the hub stopped the server.
 */
export function parseCreditsEvent(data: string): CreditsEvent {
  if (data.length > Private.MAX_DATA) {
    return invalid('larger than 1 MB');
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return invalid(`not JSON: ${Private.preview(data)}`);
  }
  if (Array.isArray(value)) {
    if (value.length > Private.MAX_ENTRIES) {
      return invalid(`more than ${Private.MAX_ENTRIES} entries`);
    }
    const entries: ICreditEntry[] = [];
    for (let i = 0; i < value.length; i++) {
      const entry = Private.entry(value[i]);
      if (typeof entry === 'string') {
        return invalid(`entry ${i}: ${entry}`);
      }
      entries.push(entry);
    }
    return { kind: 'snapshot', entries };
  }
  if (!Private.isRecord(value)) {
    return invalid(
      `expected an object or a list, got ${Private.typeOf(value)}`
    );
  }
  if ('error' in value) {
    if (typeof value.error !== 'string') {
      return invalid('"error" is not a string');
    }
    return {
      kind: 'stopped',
      message: Private.preview(value.error, protocol.maxMessageLength)
    };
  }
  const entry = Private.entry(value);
  if (typeof entry === 'string') {
    return invalid(entry);
  }
  return { kind: 'snapshot', entries: [entry] };
}

/**
 * What the relay in the single-user server says about its own connection
 * to the hub (an `event: relay` event).
 */
export interface IRelayState {
  readonly state:
    | 'connecting'
    | 'live'
    | 'polling'
    | 'reconnecting'
    | 'refused'
    | 'unavailable'
    | 'stopped';
  readonly reason: string;
}

export const RELAY_STATES: ReadonlySet<string> = new Set([
  'connecting',
  'live',
  'polling',
  'reconnecting',
  'refused',
  'unavailable',
  'stopped'
]);

/**
 * Parses a relay state event; `null` for anything else.
 */
export function parseRelayState(data: string): IRelayState | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (
    !Private.isRecord(value) ||
    typeof value.state !== 'string' ||
    !RELAY_STATES.has(value.state) ||
    typeof value.reason !== 'string'
  ) {
    return null;
  }
  return {
    state: value.state as IRelayState['state'],
    reason: Private.preview(value.reason, 300)
  };
}

function invalid(reason: string): CreditsEvent {
  return { kind: 'invalid', reason };
}

namespace Private {
  type Rec = Record<string, unknown>;

  /** Bounds no real hub comes near: what passes is of bounded size. */
  export const MAX_DATA = protocol.maxEventBytes;
  export const MAX_ENTRIES = protocol.maxEntries;
  export const MAX_NAME = protocol.maxNameLength;

  export function isRecord(value: unknown): value is Rec {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  export function typeOf(value: unknown): string {
    return value === null
      ? 'null'
      : Array.isArray(value)
        ? 'list'
        : typeof value;
  }

  export function preview(text: string, length = 60): string {
    return text.length > length ? `${text.slice(0, length)}…` : text;
  }

  /**
   * A non-negative finite number, or the reason it is not.
   */
  export function amount(record: Rec, key: string): number | string {
    const value = record[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return `"${key}" is not a number`;
    }
    if (value < 0) {
      return `"${key}" is negative`;
    }
    return value;
  }

  export function balance(record: Rec): IBalance | string {
    const balance = amount(record, 'balance');
    if (typeof balance === 'string') {
      return balance;
    }
    const cap = amount(record, 'cap');
    if (typeof cap === 'string') {
      return cap;
    }
    return { balance, cap };
  }

  /**
   * Grant fields are optional (the per-server stream omits them); a grant is
   * only reported when both value and interval are usable.
   */
  export function grant(record: Rec): IGrant | null {
    const value = record.grant_value;
    const interval = record.grant_interval;
    if (
      typeof value !== 'number' ||
      typeof interval !== 'number' ||
      !Number.isFinite(value) ||
      !Number.isFinite(interval) ||
      value < 0 ||
      interval <= 0
    ) {
      return null;
    }
    return { value, interval, lastUpdate: timestamp(record.grant_last_update) };
  }

  /**
   * The hub writes naive ISO times in UTC; read them as UTC.
   */
  export function timestamp(value: unknown): number | null {
    if (typeof value !== 'string' || !value) {
      return null;
    }
    const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(zoned);
    return Number.isFinite(ms) && ms >= 0 ? ms : null;
  }

  export function project(value: unknown): IProjectCredits | null | string {
    if (value === undefined || value === null) {
      return null;
    }
    if (!isRecord(value)) {
      return `"project" is ${typeOf(value)}, not an object`;
    }
    if (typeof value.name !== 'string' || value.name.length > MAX_NAME) {
      return '"project.name" is not a string of at most 200 characters';
    }
    const amounts = balance(value);
    if (typeof amounts === 'string') {
      return `project: ${amounts}`;
    }
    return { name: value.name, ...amounts, grant: grant(value) };
  }

  export function entry(value: unknown): ICreditEntry | string {
    if (!isRecord(value)) {
      return `expected an object, got ${typeOf(value)}`;
    }
    const amounts = balance(value);
    if (typeof amounts === 'string') {
      return amounts;
    }
    if (
      value.name !== undefined &&
      (typeof value.name !== 'string' || value.name.length > MAX_NAME)
    ) {
      return '"name" is not a string of at most 200 characters';
    }
    const linked = project(value.project);
    if (typeof linked === 'string') {
      return linked;
    }
    return {
      name: typeof value.name === 'string' ? value.name : null,
      ...amounts,
      grant: grant(value),
      project: linked
    };
  }
}
