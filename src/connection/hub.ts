/**
 * Where the hub is and which credits stream belongs to this server.
 *
 * Pure functions over PageConfig values, so they run in any test.
 */

/**
 * What the single-user server told the page about its hub.
 */
export interface IHubLocation {
  /** Origin of the hub when it differs from the page's, e.g. `https://hub.example.org`; else `''`. */
  readonly host: string;
  /** Path prefix of the hub with leading and trailing slash, e.g. `/hub/`. */
  readonly prefix: string;
  /** The server's owner (whose credits pay for it). */
  readonly user: string;
  /** The named server, `''` for the default server. */
  readonly serverName: string;
  /** Who is looking: the owner, or a guest of a shared server, or an admin. */
  readonly viewer: string;
  /** This server's base URL (a path with leading and trailing slash). */
  readonly baseUrl: string;
}

/**
 * Reads a PageConfig option; `PageConfig.getOption` in the browser.
 */
export type OptionReader = (name: string) => string;

/**
 * The hub this page runs under, or `null` when it does not run under a hub.
 *
 * @param read - reads a PageConfig option
 * @param hubUrlOverride - a full hub URL from settings, e.g. `https://hub.example.org/hub/`
 */
export function readHubLocation(
  read: OptionReader,
  hubUrlOverride = ''
): IHubLocation | null {
  const viewer = read('hubUser').trim();
  const user = (read('hubServerUser') || viewer).trim();
  let host = read('hubHost').trim();
  let prefix = read('hubPrefix').trim();
  const override = hubUrlOverride.trim();
  if (override) {
    const parsed = Private.splitUrl(override);
    if (!parsed) {
      return null;
    }
    host = parsed.host;
    prefix = parsed.prefix;
  }
  if (!prefix || !user) {
    return null;
  }
  return {
    host: host.replace(/\/+$/, ''),
    prefix: Private.normalizePrefix(prefix),
    user,
    serverName: read('hubServerName').trim(),
    viewer: viewer || user,
    baseUrl: Private.normalizePrefix(read('baseUrl') || '/')
  };
}

/**
 * URL of the hub's home page, where a user restarts a stopped server.
 */
export function hubHomeUrl(hub: IHubLocation): string {
  return hubUrl(hub, 'home');
}

/**
 * A URL under the hub prefix; each segment after `path` is URL-encoded.
 * Empty segments are dropped (the default server has no name).
 */
export function hubUrl(
  hub: IHubLocation,
  path: string,
  ...segments: string[]
): string {
  const encoded = segments
    .filter(segment => segment !== '')
    .map(segment => encodeURIComponent(segment));
  return [`${hub.host}${hub.prefix}${path}`, ...encoded].join('/');
}

namespace Private {
  /**
   * Leading and trailing slash, no doubled slashes.
   */
  export function normalizePrefix(prefix: string): string {
    const inner = prefix.split('/').filter(Boolean).join('/');
    return inner ? `/${inner}/` : '/';
  }

  /**
   * Splits an absolute (`https://h/p/`) or path-only (`/p/`) hub URL.
   */
  export function splitUrl(
    url: string
  ): { host: string; prefix: string } | null {
    if (url.startsWith('/')) {
      return { host: '', prefix: url };
    }
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        return null;
      }
      return { host: parsed.origin, prefix: parsed.pathname };
    } catch {
      return null;
    }
  }
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
