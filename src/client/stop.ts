/**
 * Stops this server after the user confirmed, through its server part
 * (`POST {baseUrl}hub-credits/stop`), which asks the credit service with
 * the server's own token and refuses anyone but the owner. Loaded when the
 * command runs.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { forgetOwnStop, noteOwnStop } from './ownstop';
import { probe } from './server';
import type { ServerFetch } from './server';

/**
 * How long the server part's answer is waited for (it answers once the hub
 * did; a hub that stops the server first can leave the request hanging
 * while the server shuts down); then the server is watched for going.
 */
const STOP_ANSWER_MS = 15000;
const STOP_GONE_WITHIN_MS = 30000;
const STOP_CHECK_EVERY_MS = 2000;

export interface IStopOptions {
  readonly fetch: ServerFetch;
  readonly baseUrl: string;
  readonly answerMs?: number;
  readonly goneWithinMs?: number;
  readonly checkEveryMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * How a stop went; `detail`: what was answered (never a token).
 */
type StopResult =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      /** `refused`: not the owner (the server decides). */
      readonly kind: 'refused' | 'failed';
      readonly detail: string;
    };

/**
 * Asks the server part for the stop. The server may go before its answer
 * comes through: then the server being gone is the answer.
 */
export async function requestStop(options: IStopOptions): Promise<StopResult> {
  const { fetch, baseUrl } = options;
  const controller = new AbortController();
  const answerMs = options.answerMs ?? STOP_ANSWER_MS;
  const timer = setTimeout(() => controller.abort(), answerMs);
  let response: Response | null = null;
  let detail = 'no answer';
  try {
    response = await fetch(`${baseUrl}hub-credits/stop`, {
      method: 'POST',
      signal: controller.signal
    });
  } catch (error) {
    if (!controller.signal.aborted) {
      detail = error instanceof Error ? error.message : String(error);
    }
  } finally {
    clearTimeout(timer);
  }
  if (response !== null) {
    const body = await Private.json(response);
    if (response.status === 202) {
      const status = typeof body?.status === 'number' ? body.status : 202;
      return { ok: true, status };
    }
    const failure: StopResult = {
      ok: false,
      kind: response.status === 403 ? 'refused' : 'failed',
      detail: Private.detail(response.status, body)
    };
    // The server part answers 202, 403 or 502; anything else came from in
    // front of it (the proxy, the hub), maybe because the stop went through.
    if (response.status === 403 || response.status === 502) {
      return failure;
    }
    return (await probe(fetch, baseUrl)) === 'gone'
      ? { ok: true, status: 0 }
      : failure;
  }
  // No answer: the stop may be taking the server down. Watch it go.
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
  const every = options.checkEveryMs ?? STOP_CHECK_EVERY_MS;
  const checks = Math.max(
    1,
    Math.floor((options.goneWithinMs ?? STOP_GONE_WITHIN_MS) / every)
  );
  for (let i = 0; i < checks; i++) {
    if ((await probe(fetch, baseUrl)) === 'gone') {
      return { ok: true, status: 0 };
    }
    await sleep(every);
  }
  return { ok: false, kind: 'failed', detail };
}

/**
 * Confirms, asks for the stop, and says how it went.
 */
export async function stopServer(
  options: IStopOptions,
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
  noteOwnStop();
  // Shown before asking: the notices' code loads now, while this server
  // still runs (it is gone once the stop went through).
  const id = Notification.emit(
    trans.__('Asking the hub to stop your server…'),
    'in-progress',
    { autoClose: false }
  );
  const outcome = await requestStop(options);
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
      outcome.kind === 'refused'
        ? trans.__(
            'this Jupyter server refused: only its owner can stop it; %1',
            outcome.detail
          )
        : trans.__('asked through this Jupyter server: %1', outcome.detail)
    ),
    type: 'error',
    autoClose: false,
    actions: [{ label: trans.__('Open hub home'), callback: openHubHome }]
  });
}

namespace Private {
  /** The longest answer text put into a notice. */
  const MAX_DETAIL = 300;

  export interface IAnswer {
    status?: unknown;
    message?: unknown;
  }

  /**
   * `HTTP 403: <message>`, the message bounded; the server part's 502 says
   * what the hub answered in its message alone.
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
}
