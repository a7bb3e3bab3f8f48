/**
 * Whether this page asked for the stop: the stopped notice then says "you
 * stopped it", not "the hub stopped it". Set by the stop command once the
 * user confirmed, read by the stopped notice (a module both share).
 */

/** How long after asking a stop still counts as ours. */
export const OWN_STOP_MS = 5 * 60 * 1000;

let askedAt: number | null = null;

/**
 * Notes that the user asked this page to stop the server.
 */
export function noteOwnStop(now = Date.now()): void {
  askedAt = now;
}

/**
 * Forgets the request (the stop failed).
 */
export function forgetOwnStop(): void {
  askedAt = null;
}

/**
 * Whether the user asked this page to stop the server lately; the answer
 * is given once (the next stop, after the server ran again, is the hub's
 * unless asked for again).
 */
export function takeOwnStop(now = Date.now()): boolean {
  const own =
    askedAt !== null && now - askedAt >= 0 && now - askedAt < OWN_STOP_MS;
  askedAt = null;
  return own;
}
