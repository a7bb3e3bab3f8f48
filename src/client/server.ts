/**
 * Requests to this page's own Jupyter server, as JupyterLab makes them
 * (its token or cookie, and the XSRF header), and the one rule for telling
 * that the server is gone.
 */
import { ServerConnection } from '@jupyterlab/services';

/**
 * A request to this Jupyter server (`path` relative to the page).
 */
export type ServerFetch = (
  path: string,
  init?: RequestInit
) => Promise<Response>;

/**
 * The page's way to its server.
 */
export function serverFetch(): ServerFetch {
  const settings = ServerConnection.makeSettings();
  return (path, init) =>
    ServerConnection.makeRequest(
      new URL(path, window.location.href).href,
      init ?? {},
      settings
    );
}

/**
 * Whether an answer from this server's URL says the server is not running:
 * the hub's redirect, 404 or 424, or the proxy's 502/503.
 */
export function saysGone(response: Response): boolean {
  return (
    response.type === 'opaqueredirect' ||
    (response.status >= 300 && response.status < 400) ||
    [404, 424, 502, 503].includes(response.status)
  );
}

/**
 * Asks `{baseUrl}api/status` whether the server runs: `running`, `gone`,
 * or `unknown` (no answer, or one that proves nothing).
 */
export async function probe(
  fetch: ServerFetch,
  baseUrl: string,
  signal?: AbortSignal
): Promise<'running' | 'gone' | 'unknown'> {
  try {
    const response = await fetch(`${baseUrl}api/status`, {
      method: 'GET',
      redirect: 'manual',
      cache: 'no-store',
      signal
    });
    void response.body?.cancel().catch(() => undefined);
    if (response.status === 200) {
      return 'running';
    }
    return saysGone(response) ? 'gone' : 'unknown';
  } catch {
    return 'unknown';
  }
}
