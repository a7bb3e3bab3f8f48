/**
 * Asks the hub to stop this server (credit service `stopserver`), after
 * the user confirmed. Loaded when the command runs.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { FetchFunction } from './attempt';
import type { AuthMode } from './endpoints';
import { authHeaders, hubUrl } from './hub';
import type { IHubLocation } from './hub';

/**
 * The DELETE itself: the hub cookie always, the page's token in the
 * header unless the settings say `auth: cookie`.
 */
export function stopRequest(
  hub: IHubLocation,
  auth: AuthMode,
  token: string,
  fetch: FetchFunction
): Promise<Response> {
  const url = hubUrl(hub, 'api/credits/stopserver', hub.user, hub.serverName);
  return fetch(url, {
    method: 'DELETE',
    credentials:
      hub.host && hub.host !== window.location.origin
        ? 'include'
        : 'same-origin',
    redirect: 'manual',
    headers: authHeaders(auth === 'cookie' ? '' : token)
  });
}

/**
 * Confirms, sends the DELETE, and says how it went.
 *
 * @param token - the page's hub token; only ever in the header
 */
export async function stopServer(
  hub: IHubLocation,
  auth: AuthMode,
  token: string,
  trans: TranslationBundle,
  openHubHome: () => void
): Promise<void> {
  const result = await showDialog({
    title: trans.__('Stop your server?'),
    body: trans.__(
      'The hub stops this Jupyter server and its kernels; billing stops too. Unsaved changes are lost. Save your work first.'
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Stop server') })
    ]
  });
  if (!result.button.accept) {
    return;
  }
  try {
    const response = await stopRequest(hub, auth, token, (url, init) =>
      window.fetch(url, init)
    );
    if (response.status !== 202 && response.status !== 204) {
      throw new Error(`HTTP ${response.status || 'redirect'}`);
    }
    Notification.info(trans.__('The hub is stopping your server.'), {
      autoClose: 5000
    });
  } catch (reason) {
    Notification.error(
      trans.__(
        'The hub did not stop the server (%1). Stop it from the hub home page.',
        reason instanceof Error ? reason.message : String(reason)
      ),
      {
        autoClose: false,
        actions: [{ label: trans.__('Open hub home'), callback: openHubHome }]
      }
    );
  }
}
