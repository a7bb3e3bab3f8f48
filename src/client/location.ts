/**
 * Where this server runs under its hub, from PageConfig: for the hub's home
 * link and this server's own URLs. The page sends nothing to the hub.
 */
import type { IHubLocation } from '../model/types';

export type { IHubLocation } from '../model/types';

/**
 * The hub this page runs under, or `null` when it does not run under a hub.
 */
export function readHubLocation(
  read: (option: string) => string // PageConfig.getOption
): IHubLocation | null {
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
