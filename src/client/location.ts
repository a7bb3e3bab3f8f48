/**
 * Where this server runs under its hub, from PageConfig: for the hub's home
 * link and this server's own URLs. The page sends nothing to the hub.
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
  /**
   * Who is looking, as PageConfig names them (on JupyterHub 6 a display
   * name): for words only. Who may stop the server is the server's
   * decision (`ICreditsModel.canStop`).
   */
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
 */
export function readHubLocation(read: OptionReader): IHubLocation | null {
  const viewer = read('hubUser').trim();
  const user = (read('hubServerUser') || viewer).trim();
  const prefix = read('hubPrefix').trim();
  if (!prefix || !user) {
    return null;
  }
  return {
    host: read('hubHost').trim().replace(/\/+$/, ''),
    prefix: normalizePrefix(prefix),
    user,
    serverName: read('hubServerName').trim(),
    viewer: viewer || user,
    baseUrl: normalizePrefix(read('baseUrl') || '/')
  };
}

/**
 * URL of the hub's home page, where a user restarts a stopped server.
 */
export function hubHomeUrl(hub: IHubLocation): string {
  return `${hub.host}${hub.prefix}home`;
}

/**
 * Leading and trailing slash, no doubled slashes.
 */
function normalizePrefix(prefix: string): string {
  const inner = prefix.split('/').filter(Boolean).join('/');
  return inner ? `/${inner}/` : '/';
}
