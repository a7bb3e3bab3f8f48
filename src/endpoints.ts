/**
 * The ways to reach this server's credits, in the order to try them.
 * Pure functions; loaded with the connection.
 */
import { hubUrl } from './hub';
import type { IHubLocation } from './hub';

/**
 * URL of the per-server credits stream,
 * `{host}{prefix}api/credits/sseserver/<user>[/<server>]`.
 */
export function serverStreamUrl(hub: IHubLocation): string {
  return hubUrl(hub, 'api/credits/sseserver', hub.user, hub.serverName);
}

/**
 * URL of the per-user credits stream, `{host}{prefix}api/credits/sse`.
 */
export function userStreamUrl(hub: IHubLocation): string {
  return hubUrl(hub, 'api/credits/sse');
}

/**
 * Which credits stream to read: `auto` tries the per-server stream and falls
 * back to the per-user stream when the hub refuses the first.
 */
export type EndpointMode = 'auto' | 'server' | 'user';

/**
 * How to authenticate: `auto` sends the hub cookie first and the page's
 * token (in the Authorization header) when the cookie is refused.
 */
export type AuthMode = 'auto' | 'cookie' | 'token';

/**
 * The ways to reach the credits, in the order to try them.
 *
 * @param token - the page's hub token (PageConfig `token`); never put in a URL
 */
export function streamEndpoints(
  hub: IHubLocation,
  endpoint: EndpointMode,
  auth: AuthMode,
  token: string
): { url: string; token?: string; label: string }[] {
  const routes: { url: string; label: string }[] = [];
  if (endpoint !== 'user') {
    routes.push({ url: serverStreamUrl(hub), label: 'per-server stream' });
  }
  if (endpoint !== 'server') {
    routes.push({ url: userStreamUrl(hub), label: 'per-user stream' });
  }
  const result: { url: string; token?: string; label: string }[] = [];
  for (const route of routes) {
    if (auth !== 'token') {
      result.push({ url: route.url, label: `${route.label}, cookie` });
    }
    if (auth !== 'cookie' && token) {
      result.push({ url: route.url, token, label: `${route.label}, token` });
    }
  }
  return result;
}
