/**
 * The hub's REST list (`GET api/credits`), read for one server. The list
 * holds the owner's entries, not which one pays for this server (the hub
 * matches the server's `user_options`); the per-server stream says that by
 * sending only the paying entry. The rule, the same as the relay's
 * (`jupyterlab_hub_credits/entries.py`):
 *
 * - `matchEntry`: the entry a per-server snapshot shows, by its numbers;
 * - `chooseEntry`: the matched entry; else the only one; else the one named
 *   `default`; else the first (those two are guesses: `ambiguous`); none
 *   for an empty list (the server is free);
 * - `serverSnapshot`: an entry in the per-server snapshot's shape, grants
 *   kept, so the model needs nothing new.
 *
 * Pure functions over untrusted JSON; nothing here throws.
 */
import { parseCreditsEvent } from '../model/payload';
import type { ICreditEntry } from '../model/payload';
import protocol from './protocol.json';

/**
 * A valid list entry: parsed, and the hub's own object it came from.
 */
export interface IListEntry {
  readonly entry: ICreditEntry & { readonly name: string };
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * The entry chosen to pay for this server.
 */
export interface IChoice {
  readonly entry: IListEntry;
  /** Chosen by a rule of thumb, not by a match: say so. */
  readonly ambiguous: boolean;
}

/**
 * The valid entries of a list answer (at most `maxEntries`; invalid ones
 * left out), or `null` when the answer is no list at all or none of its
 * entries is valid (that is a hub we cannot read, not a free server). An
 * older hub's single object counts as a list of one.
 */
export function parseList(text: string): IListEntry[] | null {
  if (text.length > protocol.maxEventBytes) {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const items = Array.isArray(value)
    ? value
    : Private.isRecord(value)
      ? [value]
      : null;
  if (!items) {
    return null;
  }
  const entries: IListEntry[] = [];
  for (const raw of items.slice(0, protocol.maxEntries)) {
    const entry = Private.entry(raw);
    if (entry) {
      entries.push(entry);
    }
  }
  return entries.length > 0 || items.length === 0 ? entries : null;
}

/**
 * Whether a per-server snapshot shows this entry: the same balance and cap,
 * and the same project (name, balance, cap) or none on either side.
 */
export function shows(entry: ICreditEntry, snapshot: ICreditEntry): boolean {
  if (entry.balance !== snapshot.balance || entry.cap !== snapshot.cap) {
    return false;
  }
  const mine = entry.project;
  const theirs = snapshot.project;
  if (!mine || !theirs) {
    return !mine && !theirs;
  }
  return (
    mine.name === theirs.name &&
    mine.balance === theirs.balance &&
    mine.cap === theirs.cap
  );
}

/**
 * The name of the entry `snapshot` shows, when that is certain: the one
 * entry that shows it; of several, the `previous` match if among them.
 */
export function matchEntry(
  entries: readonly IListEntry[],
  snapshot: ICreditEntry | null,
  previous: string | null = null
): string | null {
  if (!snapshot) {
    return null;
  }
  const names = entries
    .filter(e => shows(e.entry, snapshot))
    .map(e => e.entry.name);
  if (names.length === 1) {
    return names[0];
  }
  return previous !== null && names.includes(previous) ? previous : null;
}

/**
 * The entry that pays for this server; `null` when none does (free).
 */
export function chooseEntry(
  entries: readonly IListEntry[],
  matched: string | null
): IChoice | null {
  if (entries.length === 0) {
    return null;
  }
  const byName = (name: string) => entries.find(e => e.entry.name === name);
  const found = matched !== null ? byName(matched) : undefined;
  if (found) {
    return { entry: found, ambiguous: false };
  }
  if (entries.length === 1) {
    return { entry: entries[0], ambiguous: false };
  }
  return { entry: byName('default') ?? entries[0], ambiguous: true };
}

/**
 * What to tell the user about a choice (empty when certain).
 */
export function choiceReason(choice: IChoice | null): string {
  return choice?.ambiguous
    ? `which entry pays for this server is a guess: ${choice.entry.entry.name}`
    : '';
}

/**
 * A list entry as the per-server stream would send it: `{balance, cap,
 * project?: {name, balance, cap}}`, grants kept where the list has them,
 * the entry's own name left out.
 */
export function serverSnapshot(entry: IListEntry): string {
  const { raw } = entry;
  const out: Record<string, unknown> = Private.numbers(raw);
  const project = raw.project;
  if (Private.isRecord(project)) {
    out.project = { name: project.name, ...Private.numbers(project) };
  }
  return JSON.stringify(out);
}

namespace Private {
  export const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

  const KEYS = [
    'balance',
    'cap',
    'grant_value',
    'grant_interval',
    'grant_last_update'
  ];

  /**
   * The amounts and grant fields of a (validated) hub object.
   */
  export function numbers(
    raw: Readonly<Record<string, unknown>>
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of KEYS) {
      const value = raw[key];
      if (
        key === 'grant_last_update'
          ? typeof value === 'string' && value.length <= 64
          : typeof value === 'number' && Number.isFinite(value)
      ) {
        out[key] = value;
      }
    }
    return out;
  }

  /**
   * One named entry, checked by the payload parser; `null` when invalid.
   */
  export function entry(raw: unknown): IListEntry | null {
    if (!isRecord(raw) || typeof raw.name !== 'string' || !raw.name) {
      return null;
    }
    const project = raw.project;
    if (
      project !== undefined &&
      project !== null &&
      !(isRecord(project) && typeof project.name === 'string' && project.name)
    ) {
      return null;
    }
    const clean: Record<string, unknown> = { name: raw.name, ...numbers(raw) };
    if (isRecord(project)) {
      clean.project = { name: project.name, ...numbers(project) };
    }
    const event = parseCreditsEvent(JSON.stringify(clean));
    if (event.kind !== 'snapshot' || event.entries.length !== 1) {
      return null;
    }
    return {
      entry: event.entries[0] as IListEntry['entry'],
      raw: clean
    };
  }
}
