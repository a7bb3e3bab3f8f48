/**
 * The protocol between tabs of one server, over a BroadcastChannel: the
 * message types and their validation. Every tab of the origin can post on
 * the channel (without subdomains, every user's server shares one origin),
 * so each message is checked field by field, as strictly as a hub payload,
 * before anything reads it.
 *
 * Tabs elect one leader that reads the hub and tells the others:
 *
 * - `seen` {visible}: a tab is here (sent on joining, on every visibility
 *   change and now and then while visible); the leader answers a new tab
 *   with `lead`, the status and the last snapshot.
 * - `claim` / `lead` {term, rank}: a tab wants to lead / leads. The better
 *   of two (higher term, then higher rank, then the smaller id) wins; a
 *   leader that hears a better one steps down.
 * - `ping`: a follower asks whether the leader is still there (the leader
 *   answers `lead` at once, from its message handler: a hidden tab's timers
 *   may be throttled, its message handlers are not).
 * - `bye`: a tab leaves (closed, frozen, disposed).
 * - `data` {data}: the hub's data of an event; `status` {status}: the
 *   leader's connection status; `reconnect`: a follower asks for one.
 */
import { parseCreditsEvent } from '../model/payload';
import { CONNECTION_STATES, connectionStatus } from '../model/state';
import type { ConnectionState, IConnectionStatus } from '../model/state';
import protocol from './protocol.json';

/**
 * The channel protocol's version: a message of another version is ignored.
 */
export const WIRE_VERSION = 2;

/**
 * Where a leader stands in an election: compared by term, rank, then id.
 */
export interface ICandidate {
  readonly from: string;
  /** Elections won so far (one more than the highest seen, when claiming). */
  readonly term: number;
  /** 1 when the tab was visible when it claimed (its timers run on time). */
  readonly rank: number;
}

/**
 * What travels over the channel (without the version, added on posting).
 */
export type Message =
  | { readonly type: 'seen'; readonly from: string; readonly visible: boolean }
  | ({ readonly type: 'claim' | 'lead' } & ICandidate)
  | {
      readonly type: 'ping' | 'bye' | 'reconnect';
      readonly from: string;
    }
  | { readonly type: 'data'; readonly from: string; readonly data: string }
  | {
      readonly type: 'status';
      readonly from: string;
      readonly status: IConnectionStatus;
    };

/**
 * A message ready to post: the version written once, here.
 */
export function envelope(message: Message): Message & { v: number } {
  return { v: WIRE_VERSION, ...message };
}

/**
 * Whether `a` wins an election against `b`.
 */
export function better(a: ICandidate, b: ICandidate): boolean {
  if (a.term !== b.term) {
    return a.term > b.term;
  }
  if (a.rank !== b.rank) {
    return a.rank > b.rank;
  }
  return a.from < b.from;
}

/**
 * A channel message, checked field by field; or why it was rejected.
 * Hub data is checked by the payload parser itself.
 */
export function parseMessage(value: unknown): Message | string {
  if (!Private.isRecord(value)) {
    return 'not an object';
  }
  if (value.v !== WIRE_VERSION) {
    return `protocol ${String(value.v).slice(0, 20)}, not ${WIRE_VERSION}`;
  }
  const from = value.from;
  if (typeof from !== 'string' || from.length === 0 || from.length > 64) {
    return 'no sender id of at most 64 characters';
  }
  switch (value.type) {
    case 'seen':
      return typeof value.visible === 'boolean'
        ? { type: 'seen', from, visible: value.visible }
        : '"visible" is not a boolean';
    case 'claim':
    case 'lead': {
      const { term, rank } = value;
      if (!Private.isCount(term) || (rank !== 0 && rank !== 1)) {
        return 'no term and rank';
      }
      return { type: value.type, from, term, rank };
    }
    case 'ping':
    case 'bye':
    case 'reconnect':
      return { type: value.type, from };
    case 'data': {
      const data = value.data;
      if (typeof data !== 'string' || data.length > protocol.maxEventBytes) {
        return 'data is not a string of at most 1 MB';
      }
      const event = parseCreditsEvent(data);
      if (event.kind === 'invalid') {
        return `hub data: ${event.reason}`;
      }
      return { type: 'data', from, data };
    }
    case 'status': {
      const status = Private.status(value.status);
      return status ? { type: 'status', from, status } : 'not a status';
    }
    default:
      return 'unknown type';
  }
}

namespace Private {
  const STATES: ReadonlySet<string> = new Set(CONNECTION_STATES);

  export const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

  export const isCount = (value: unknown): value is number =>
    Number.isSafeInteger(value) && (value as number) >= 0;

  const isTime = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0;

  /**
   * A connection status from another tab, rebuilt by the one builder.
   */
  export function status(value: unknown): IConnectionStatus | null {
    if (
      !isRecord(value) ||
      typeof value.state !== 'string' ||
      !STATES.has(value.state) ||
      typeof value.reason !== 'string' ||
      value.reason.length > protocol.maxMessageLength ||
      !isCount(value.failures) ||
      !(value.nextAttemptAt === null || isTime(value.nextAttemptAt)) ||
      !isTime(value.since)
    ) {
      return null;
    }
    return connectionStatus(value.state as ConnectionState, value.since, {
      reason: value.reason,
      failures: value.failures,
      nextAttemptAt: value.nextAttemptAt
    });
  }
}
