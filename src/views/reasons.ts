/**
 * The reasons in the reader's language: one table from each code of
 * `reasons.json` (written by the server part and the page alike) to its
 * words, as JupyterLab's `translateKernelStatuses` does for kernel
 * statuses. Text without a code (the hub's own words, a browser's error
 * message) and codes this page does not know (a newer server part) show
 * as they came. Loaded with the first reason (see viewmodel.ts).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IConnectionStatus, IReason } from '../model/state';
import type templates from '../reasons.json';

type Translate = (trans: TranslationBundle, ...parts: string[]) => string;

/**
 * Every code's words; each is a literal that translation tools find, with
 * the English of `reasons.json` (a test keeps the two equal).
 */
export const REASONS: Readonly<Record<keyof typeof templates, Translate>> = {
  checking_again: (trans, a) => trans.__('%1 (checking again)', a),
  token_scopes: (trans, a) =>
    trans.__(
      "%1; the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes",
      a
    ),
  scopes_hint: trans =>
    trans.__(
      "the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes"
    ),
  no_numbers_yet: trans => trans.__('no numbers from the hub yet'),
  free: trans => trans.__('no credit entry pays for this server: it is free'),
  entry_guess: (trans, a) =>
    trans.__('which entry pays for this server is a guess: %1', a),
  hub_login: trans => trans.__('the hub asked to log in'),
  hub_login_page: trans => trans.__('the hub answered with a login page'),
  hub_refused: (trans, a) => trans.__('the hub refused access (HTTP %1)', a),
  server_unknown: trans => trans.__('the hub no longer knows this server'),
  no_credit_service: trans =>
    trans.__('the hub has no credit service (HTTP 404)'),
  credits_disabled: trans =>
    trans.__('credits are disabled on this hub (HTTP 404)'),
  server_not_running: trans => trans.__('the server is not running'),
  hub_http: (trans, a) => trans.__('the hub answered HTTP %1', a),
  hub_unexpected: (trans, a) =>
    trans.__('unexpected answer from the hub (HTTP %1)', a),
  not_a_stream: (trans, a) =>
    trans.__('the hub did not answer with an event stream (%1)', a),
  no_content_type: trans => trans.__('no content type'),
  no_list: trans => trans.__('the hub answered no credit list'),
  no_response: trans => trans.__('no response from the hub'),
  hub_silent: trans => trans.__('the hub went silent'),
  stream_closed: trans => trans.__('the hub closed the stream'),
  unreadable: (trans, a) =>
    trans.__('the hub answered something unreadable: %1', a),
  network_error: (trans, a) => trans.__('network error: %1', a),
  connection_lost: (trans, a) => trans.__('connection lost: %1', a),
  unexpected_error: (trans, a) =>
    trans.__('unexpected error while reading the hub: %1', a),
  state_unwritable: (trans, a) =>
    trans.__('the server part could not write its state (%1)', a),
  offline: trans => trans.__('the browser is offline'),
  page_refused: (trans, a) =>
    trans.__('this Jupyter server refused the page (HTTP %1)', a),
  no_server_part: trans =>
    trans.__('this Jupyter server has no jupyterlab-hub-credits server part'),
  not_state: trans =>
    trans.__(
      'this Jupyter server answered something else than its credits state'
    ),
  server_http: (trans, a) => trans.__('HTTP %1', a),
  not_under_hub: trans =>
    trans.__('this Jupyter server does not run under JupyterHub'),
  turned_off: trans => trans.__('turned off in the settings')
};

/**
 * The status with its reason in the reader's language; the same object
 * when there is nothing to translate.
 */
export function translateStatus(
  trans: TranslationBundle,
  status: IConnectionStatus
): IConnectionStatus {
  const reason = status.why ? words(trans, status.why) : null;
  return reason === null || reason === status.reason
    ? status
    : Object.freeze({ ...status, reason });
}

/**
 * A reason's words, its parts worded first; `null` when a code is unknown.
 */
export function words(trans: TranslationBundle, why: IReason): string | null {
  const translate = Object.prototype.hasOwnProperty.call(REASONS, why.code)
    ? REASONS[why.code as keyof typeof REASONS]
    : null;
  const parts = why.parts.map(part =>
    typeof part === 'string' ? part : words(trans, part)
  );
  return translate && parts.every(p => p !== null)
    ? translate(trans, ...(parts as string[]))
    : null;
}
