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
  /**
   * Whether the page's hub token and credentials may go to `host`: its
   * origin is the hub's as PageConfig gives it (`hubHost`, or the page's
   * origin when that is empty). A settings `hubUrl` on another origin is
   * not trusted: it gets neither. Decided by `readHubLocation` alone.
   */
  readonly trusted: boolean;
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
 * @param pageOrigin - the page's origin (`location.origin`)
 */
export function readHubLocation(
  read: OptionReader,
  hubUrlOverride = '',
  pageOrigin = Private.pageOrigin()
): IHubLocation | null {
  const viewer = read('hubUser').trim();
  const user = (read('hubServerUser') || viewer).trim();
  const ownHost = Private.trimHost(read('hubHost'));
  let host = ownHost;
  let prefix = read('hubPrefix').trim();
  const override = hubUrlOverride.trim();
  if (override) {
    const parsed = Private.splitUrl(override);
    if (!parsed) {
      return null;
    }
    host = Private.trimHost(parsed.host);
    prefix = parsed.prefix;
  }
  if (!prefix || !user) {
    return null;
  }
  // PageConfig's own hub is trusted as given; an override only when it
  // names the same origin and the same prefix (without subdomains every
  // user's server shares the hub's origin: `/user/mallory/` is not the hub).
  const ownPrefix = Private.normalizePrefix(read('hubPrefix').trim() || '/');
  const normalized = Private.normalizePrefix(prefix);
  const origin = Private.originOf(host, pageOrigin);
  const trusted =
    normalized === ownPrefix &&
    (host === ownHost ||
      (origin !== null && origin === Private.originOf(ownHost, pageOrigin)));
  return {
    host,
    prefix: normalized,
    user,
    serverName: read('hubServerName').trim(),
    viewer: viewer || user,
    baseUrl: Private.normalizePrefix(read('baseUrl') || '/'),
    trusted
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

/**
 * The origin a hub host (`''`: the page's own) resolves to from a page, or
 * `null` when it cannot be told.
 */
export function originOf(host: string, pageOrigin: string): string | null {
  return Private.originOf(host, pageOrigin);
}

namespace Private {
  /**
   * The page's origin, `''` outside a browser.
   */
  export function pageOrigin(): string {
    return typeof window === 'undefined' ? '' : window.location.origin;
  }

  /**
   * A host as given, without blanks and trailing slashes.
   */
  export function trimHost(host: string): string {
    return host.trim().replace(/\/+$/, '');
  }

  /**
   * The origin a request to `{host}/...` from this page goes to (a host
   * without a scheme is a relative path: the page's origin); `null` when
   * it cannot be told (then nothing is trusted).
   */
  export function originOf(host: string, pageOrigin: string): string | null {
    try {
      const origin = new URL(`${host}/`, `${pageOrigin}/`).origin;
      return origin === 'null' ? null : origin;
    } catch {
      return null;
    }
  }

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
