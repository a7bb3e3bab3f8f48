/**
 * Stops this server (credit service `stopserver`) after the user confirmed.
 * Loaded when the command runs.
 *
 * Through this Jupyter server's relay (`POST {baseUrl}hub-credits/stop`),
 * which asks the hub with the server's own token and refuses anyone but the
 * owner: it works on every layout, servers on their own origins included.
 * The hub directly (`DELETE api/credits/stopserver/...`) only where the
 * relay is not there and a request from this page can work: the hub on the
 * page's origin, trusted, and a token in the header (a cookie-only DELETE
 * fails on the hub's `_xsrf`; another origin answers no CORS).
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { FetchFunction } from './attempt';
import { systemClock } from './clock';
import type { IClock } from './clock';
import type { AuthMode } from './endpoints';
import { hubUrl } from './hub';
import { forgetOwnStop, noteOwnStop } from './ownstop';
import { authHeaders, hubCredentials, hubToken, isSameOrigin } from './trust';
import type { IHubLocation } from './hub';

/**
 * How the stop reaches the hub.
 */
export interface IStopTransport {
  /** A request to this Jupyter server, as JupyterLab makes them (its auth, XSRF). */
  readonly server: FetchFunction;
  /** A request to the hub (`window.fetch`). */
  readonly hub: FetchFunction;
  /** How long the relay's answer is waited for (default `STOP_ANSWER_MS`). */
  readonly answerMs?: number;
  /** Without an answer, how long the server is watched for going (default `STOP_GONE_WITHIN_MS`). */
  readonly goneWithinMs?: number;
  /** ...checked this often (default `STOP_CHECK_EVERY_MS`). */
  readonly checkEveryMs?: number;
  /** The clock those waits run on (default: the system's). */
  readonly clock?: IClock;
}

/**
 * The relay answers once the hub did; a hub that stops the server first can
 * leave the request hanging while the server shuts down.
 */
export const STOP_ANSWER_MS = 15000;
export const STOP_GONE_WITHIN_MS = 30000;
export const STOP_CHECK_EVERY_MS = 2000;

/**
 * How a stop went. `via`: who was asked last; `status`: the hub's answer,
 * 0 when this server was gone before its relay's answer came through.
 */
export type StopResult =
  | {
      readonly ok: true;
      readonly via: 'relay' | 'hub';
      readonly status: number;
    }
  | {
      readonly ok: false;
      readonly via: 'relay' | 'hub';
      /** `refused`: not the owner (the server decides); `norelay`: no relay and the hub cannot be asked from here. */
      readonly kind: 'refused' | 'norelay' | 'failed';
      /** What was answered, for the notice (never a token). */
      readonly detail: string;
    };

/**
 * Whether this page can ask the hub itself: the hub trusted and on the
 * page's origin, and a token to send in the header.
 */
export function canStopDirectly(
  hub: IHubLocation,
  auth: AuthMode,
  token: string,
  pageOrigin: string
): boolean {
  return (
    hub.trusted &&
    isSameOrigin(hub, pageOrigin) &&
    auth !== 'cookie' &&
    hubToken(hub, token) !== ''
  );
}

/**
 * The relay's stop: `POST {baseUrl}hub-credits/stop` to this server.
 */
export function relayStopRequest(
  hub: IHubLocation,
  server: FetchFunction,
  signal?: AbortSignal
): Promise<Response> {
  return server(`${hub.baseUrl}hub-credits/stop`, { method: 'POST', signal });
}

/**
 * The hub's stop: `DELETE {hub}api/credits/stopserver/<user>[/<server>]`,
 * the token in the header (only to a trusted hub).
 */
export function hubStopRequest(
  hub: IHubLocation,
  token: string,
  pageOrigin: string,
  fetch: FetchFunction
): Promise<Response> {
  const url = hubUrl(hub, 'api/credits/stopserver', hub.user, hub.serverName);
  return fetch(url, {
    method: 'DELETE',
    credentials: hubCredentials(hub, pageOrigin),
    redirect: 'manual',
    headers: authHeaders(hubToken(hub, token))
  });
}

/**
 * Asks for the stop: the relay first; on its 404 (no relay in this server)
 * the hub directly where that can work.
 */
export async function requestStop(
  hub: IHubLocation,
  auth: AuthMode,
  token: string,
  pageOrigin: string,
  transport: IStopTransport
): Promise<StopResult> {
  let relay: Response | null;
  try {
    relay = await Private.within(
      transport,
      transport.answerMs ?? STOP_ANSWER_MS,
      signal => relayStopRequest(hub, transport.server, signal)
    );
  } catch (error) {
    return Private.unlessGone(hub, transport, {
      ok: false,
      via: 'relay',
      kind: 'failed',
      detail: Private.message(error)
    });
  }
  if (relay === null) {
    // No answer: the stop may be taking the server down. Watch it go.
    return Private.goneWithin(hub, transport, {
      ok: false,
      via: 'relay',
      kind: 'failed',
      detail: 'no answer'
    });
  }
  if (relay.status === 202) {
    const body = await Private.json(relay);
    const status = typeof body?.status === 'number' ? body.status : 202;
    return { ok: true, via: 'relay', status };
  }
  if (relay.status !== 404) {
    const body = await Private.json(relay);
    const failure: StopResult = {
      ok: false,
      via: 'relay',
      kind: relay.status === 403 ? 'refused' : 'failed',
      detail: Private.detail(relay.status, body)
    };
    // The relay answers 202, 403 or 502; anything else came from in front
    // of it (the proxy, the hub), maybe because the stop went through.
    return relay.status === 403 || relay.status === 502
      ? failure
      : Private.unlessGone(hub, transport, failure);
  }
  void relay.body?.cancel().catch(() => undefined);
  if (!canStopDirectly(hub, auth, token, pageOrigin)) {
    return { ok: false, via: 'relay', kind: 'norelay', detail: 'HTTP 404' };
  }
  let direct: Response;
  try {
    direct = await hubStopRequest(hub, token, pageOrigin, transport.hub);
  } catch (error) {
    return {
      ok: false,
      via: 'hub',
      kind: 'failed',
      detail: Private.message(error)
    };
  }
  if (direct.status === 202 || direct.status === 204) {
    return { ok: true, via: 'hub', status: direct.status };
  }
  const body = await Private.json(direct);
  return {
    ok: false,
    via: 'hub',
    kind: 'failed',
    detail:
      direct.status === 0 || direct.type === 'opaqueredirect'
        ? 'redirect'
        : Private.detail(direct.status, body)
  };
}

/**
 * This page's way to reach its server and the hub.
 */
export function pageTransport(): IStopTransport {
  const settings = ServerConnection.makeSettings();
  return {
    server: (input, init) =>
      ServerConnection.makeRequest(
        new URL(input, window.location.href).href,
        init,
        settings
      ),
    hub: (input, init) => window.fetch(input, init)
  };
}

/**
 * Confirms, asks for the stop, and says how it went.
 *
 * @param token - the page's hub token; only ever in the header, only to a trusted hub
 */
export async function stopServer(
  hub: IHubLocation,
  auth: AuthMode,
  token: string,
  trans: TranslationBundle,
  openHubHome: () => void,
  transport: IStopTransport = pageTransport()
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
  noteOwnStop();
  // Shown before asking: the notices' code loads now, while this server
  // still runs (it is gone once the stop went through).
  const id = Notification.emit(
    trans.__('Asking the hub to stop your server…'),
    'in-progress',
    { autoClose: false }
  );
  const outcome = await requestStop(
    hub,
    auth,
    token,
    window.location.origin,
    transport
  );
  if (outcome.ok) {
    Notification.update({
      id,
      message: trans.__('The hub is stopping your server.'),
      type: 'info',
      autoClose: 5000
    });
    return;
  }
  forgetOwnStop();
  Notification.update({
    id,
    message: trans.__(
      'The hub did not stop the server (%1). Stop it from the hub home page.',
      Private.explain(trans, outcome)
    ),
    type: 'error',
    autoClose: false,
    actions: [{ label: trans.__('Open hub home'), callback: openHubHome }]
  });
}

namespace Private {
  /**
   * `failure`, unless this server is gone: the stop can take it down
   * before its relay's answer is through. Gone = `GET {baseUrl}api/status`
   * answered as for a server that is not running (see below); no answer at
   * all proves nothing.
   */
  export async function unlessGone(
    hub: IHubLocation,
    transport: IStopTransport,
    failure: StopResult
  ): Promise<StopResult> {
    try {
      const check = await within(
        transport,
        transport.checkEveryMs ?? STOP_CHECK_EVERY_MS,
        signal =>
          transport.server(`${hub.baseUrl}api/status`, {
            method: 'GET',
            redirect: 'manual',
            cache: 'no-store',
            signal
          })
      );
      if (check === null) {
        return failure;
      }
      void check.body?.cancel().catch(() => undefined);
      // What a gone server's URL answers: the hub's redirect, 404 or 424,
      // or the proxy's 502/503. Anything else (a 401, a 500) proves nothing.
      const gone =
        check.type === 'opaqueredirect' ||
        (check.status >= 300 && check.status < 400) ||
        [404, 424, 502, 503].includes(check.status);
      return gone ? { ok: true, via: 'relay', status: 0 } : failure;
    } catch {
      return failure;
    }
  }

  /**
   * `failure` unless the server is seen gone within `goneWithinMs`,
   * checking every `checkEveryMs`.
   */
  export async function goneWithin(
    hub: IHubLocation,
    transport: IStopTransport,
    failure: StopResult
  ): Promise<StopResult> {
    const clock = transport.clock ?? systemClock;
    const every = transport.checkEveryMs ?? STOP_CHECK_EVERY_MS;
    const deadline =
      clock.now() + (transport.goneWithinMs ?? STOP_GONE_WITHIN_MS);
    for (;;) {
      const started = clock.now();
      const result = await unlessGone(hub, transport, failure);
      if (result.ok || started + every > deadline) {
        return result;
      }
      const rest = started + every - clock.now();
      if (rest > 0) {
        await new Promise(resolve =>
          clock.setTimeout(() => resolve(null), rest)
        );
      }
    }
  }

  /**
   * What `run` resolves to within `ms` on the transport's clock, else
   * `null` (its request aborted).
   */
  export async function within<T>(
    transport: IStopTransport,
    ms: number,
    run: (signal: AbortSignal) => Promise<T>
  ): Promise<T | null> {
    const clock = transport.clock ?? systemClock;
    const controller = new AbortController();
    let timer: unknown;
    const timeout = new Promise<null>(resolve => {
      timer = clock.setTimeout(() => {
        controller.abort();
        resolve(null);
      }, ms);
    });
    try {
      return await Promise.race([run(controller.signal), timeout]);
    } catch (error) {
      if (controller.signal.aborted) {
        return null;
      }
      throw error;
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /**
   * The longest answer text put into a notice.
   */
  const MAX_DETAIL = 300;

  /**
   * Why the stop failed, in words.
   */
  export function explain(
    trans: TranslationBundle,
    outcome: Extract<StopResult, { ok: false }>
  ): string {
    switch (outcome.kind) {
      case 'refused':
        return trans.__(
          'this Jupyter server refused: only its owner can stop it; %1',
          outcome.detail
        );
      case 'norelay':
        return trans.__(
          'this Jupyter server has no credits relay, and this page cannot ask the hub itself'
        );
      case 'failed':
        return outcome.via === 'relay'
          ? trans.__('asked through this Jupyter server: %1', outcome.detail)
          : outcome.detail;
    }
  }

  /**
   * `HTTP 403: <message>`, the message bounded; the relay's 502 says what
   * the hub answered in its message alone.
   */
  export function detail(status: number, body: IAnswer | null): string {
    const message =
      typeof body?.message === 'string'
        ? body.message.slice(0, MAX_DETAIL)
        : '';
    if (!message) {
      return `HTTP ${status}`;
    }
    return status === 502 ? message : `HTTP ${status}: ${message}`;
  }

  export interface IAnswer {
    status?: unknown;
    message?: unknown;
  }

  /**
   * The JSON object of an answer, `null` when there is none.
   */
  export async function json(response: Response): Promise<IAnswer | null> {
    try {
      const value: unknown = JSON.parse(await response.text());
      return value !== null && typeof value === 'object'
        ? (value as IAnswer)
        : null;
    } catch {
      return null;
    }
  }

  export function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}
