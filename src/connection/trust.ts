/**
 * What may go to the hub: the page's token and credentials go only to the
 * hub's origin as PageConfig gives it (`IHubLocation.trusted`, decided in
 * `hub.ts`). Loaded with the connection.
 */
import { originOf } from './hub';
import type { IHubLocation } from './hub';

/**
 * Why no token goes to the hub URL of the settings (for tooltips and logs).
 */
export const UNTRUSTED_HUB_REASON =
  "the hub URL in the settings is not this hub's origin: no token sent";

/**
 * Whether requests to the hub go to the page's own origin.
 */
export function isSameOrigin(hub: IHubLocation, pageOrigin: string): boolean {
  const origin = originOf(hub.host, pageOrigin);
  return origin !== null && origin === originOf('', pageOrigin);
}

/**
 * The token to send to this hub: the page's, where the hub is trusted;
 * `''` (none) otherwise.
 */
export function hubToken(hub: IHubLocation, token: string): string {
  return hub.trusted ? token : '';
}

/**
 * The `credentials` of a request to this hub: none to an untrusted one;
 * the hub's cookie on the page's origin, or on the hub's own origin.
 */
export function hubCredentials(
  hub: IHubLocation,
  pageOrigin: string
): RequestCredentials {
  if (!hub.trusted) {
    return 'omit';
  }
  return isSameOrigin(hub, pageOrigin) ? 'same-origin' : 'include';
}

/**
 * The headers of a request to the hub: the token only ever goes here.
 */
export function authHeaders(
  token: string | undefined,
  headers: Record<string, string> = {}
): Record<string, string> {
  return token ? { ...headers, Authorization: `token ${token}` } : headers;
}
