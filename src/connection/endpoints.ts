/**
 * The ways to reach this server's credits, in the order to try them.
 * Pure functions; loaded with the connection.
 */
import type { IEndpoint } from './attempt';
import { hubUrl } from './hub';
import { UNTRUSTED_HUB_REASON, hubToken, isSameOrigin } from './trust';
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
 * URL of this server's credits relay (the server extension of this
 * package), `{baseUrl}hub-credits/stream`.
 */
export function relayStreamUrl(hub: IHubLocation): string {
  return `${hub.baseUrl}hub-credits/stream`;
}

/**
 * Which credits stream to read. `auto`: the hub directly when it is on the
 * page's origin and the viewer owns the server (the per-server stream, then
 * the per-user stream), then the relay in the single-user server; the
 * relay alone for a hub on another origin, a guest or an admin. `server`,
 * `user` and `relay` force one.
 */
export type EndpointMode = 'auto' | 'server' | 'user' | 'relay';

/**
 * How to authenticate to the hub: `auto` sends the hub cookie first and the
 * page's token (in the Authorization header) when the cookie is refused.
 * (The relay is asked as JupyterLab asks its server.)
 */
export type AuthMode = 'auto' | 'cookie' | 'token';

/**
 * The ways to reach the credits, in the order to try them.
 *
 * The page's token goes only to a trusted hub (`hub.trusted`, see
 * `readHubLocation`): a settings `hubUrl` on another origin is asked with
 * no token (and, by the connection, no credentials), and `auto` does not
 * ask it at all.
 *
 * @param token - the page's hub token (PageConfig `token`); never put in a URL
 * @param pageOrigin - the page's origin (`location.origin`)
 */
export function streamEndpoints(
  hub: IHubLocation,
  endpoint: EndpointMode,
  auth: AuthMode,
  token: string,
  pageOrigin: string
): IEndpoint[] {
  const crossOrigin = !isSameOrigin(hub, pageOrigin);
  const owner = hub.viewer === hub.user;
  const direct =
    endpoint === 'server' ||
    endpoint === 'user' ||
    (endpoint === 'auto' && owner && !crossOrigin && hub.trusted);
  const routes: { url: string; label: string }[] = [];
  if (direct && endpoint !== 'user') {
    routes.push({ url: serverStreamUrl(hub), label: 'per-server stream' });
  }
  if (direct && endpoint !== 'server') {
    routes.push({ url: userStreamUrl(hub), label: 'per-user stream' });
  }
  const sent = hubToken(hub, token);
  const result: IEndpoint[] = [];
  for (const route of routes) {
    if (!hub.trusted) {
      // Asked as the settings say, but with nothing of this page's.
      result.push({
        ...route,
        label: `${route.label}, ${UNTRUSTED_HUB_REASON}`,
        crossOrigin
      });
      continue;
    }
    if (auth !== 'token') {
      result.push({ ...route, label: `${route.label}, cookie`, crossOrigin });
    }
    if (auth !== 'cookie' && sent) {
      result.push({
        ...route,
        token: sent,
        label: `${route.label}, token`,
        crossOrigin
      });
    }
  }
  if (endpoint === 'auto' || endpoint === 'relay') {
    result.push({ url: relayStreamUrl(hub), label: 'relay', via: 'relay' });
  }
  return result;
}
