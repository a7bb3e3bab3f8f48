/**
 * State documents as the server part writes them (`state.py`), and the
 * model fed with them as the client feeds it.
 */
import { parseState } from '../../client/document';
import type { IStateDocument } from '../../model/types';
import type { CreditsModel } from '../../model/model';

/** One entry of the hub's list, as `GET state` carries it. */
export interface IRawEntry {
  name?: string | null;
  balance: number;
  cap: number;
  grant_value?: number;
  grant_interval?: number;
  grant_last_update?: string | null;
  project?: {
    name: string;
    balance: number;
    cap: number;
    grant_value?: number;
    grant_interval?: number;
    grant_last_update?: string | null;
  } | null;
}

/**
 * A document the server part could write at `nowMs` (its clock): `live`,
 * numbers just read, nothing else; `over` replaces fields.
 */
export function rawState(
  over: Record<string, unknown> = {},
  nowMs = Date.now()
): Record<string, unknown> {
  const now = nowMs / 1000;
  return {
    state: 'live',
    reason: '',
    since: now,
    failures: 0,
    next_attempt: null,
    mode: 'stream',
    updated: now,
    snapshot: null,
    entries: [],
    free: false,
    stop_message: '',
    history: [],
    estimate: null,
    level: null,
    thresholds: { critical: 10, warning: 25 },
    entry: null,
    seq: 1,
    start: 'run-1',
    now,
    can_stop: false,
    ...over
  };
}

/**
 * One entry without grant or project.
 */
export function rawEntry(
  balance: number,
  cap = 100,
  over: Partial<IRawEntry> = {}
): IRawEntry {
  return { name: null, balance, cap, ...over };
}

/**
 * The document as the client reads it, received at `nowMs` on the same
 * clock as the server's (no offset).
 */
export function stateDocument(
  over: Record<string, unknown> = {},
  nowMs = Date.now()
): IStateDocument {
  const document = parseState(rawState(over, nowMs), nowMs);
  if (document === null) {
    throw new Error(`not a state document: ${JSON.stringify(over)}`);
  }
  return document;
}

/**
 * Feeds the model one document, as the client does after `GET state`.
 */
export function feed(
  model: CreditsModel,
  over: Record<string, unknown> = {},
  nowMs = Date.now()
): IStateDocument {
  const document = stateDocument(over, nowMs);
  model.apply(document);
  return document;
}
