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
  checking_again: (t, a) => t.__('%1 (checking again)', a),
  token_scopes: (t, a) =>
    t.__(
      "%1; the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes",
      a
    ),
  scopes_hint: t =>
    t.__(
      "the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes"
    ),
  no_numbers_yet: t => t.__('no numbers from the hub yet'),
  free: t => t.__('no credit entry pays for this server: it is free'),
  entry_guess: (t, a) =>
    t.__('which entry pays for this server is a guess: %1', a),
  hub_login: t => t.__('the hub asked to log in'),
  hub_login_page: t => t.__('the hub answered with a login page'),
  hub_refused: (t, a) => t.__('the hub refused access (HTTP %1)', a),
  server_unknown: t => t.__('the hub no longer knows this server'),
  no_credit_service: t => t.__('the hub has no credit service (HTTP 404)'),
  credits_disabled: t => t.__('credits are disabled on this hub (HTTP 404)'),
  server_not_running: t => t.__('the server is not running'),
  hub_http: (t, a) => t.__('the hub answered HTTP %1', a),
  hub_unexpected: (t, a) => t.__('unexpected answer from the hub (HTTP %1)', a),
  not_a_stream: (t, a) =>
    t.__('the hub did not answer with an event stream (%1)', a),
  no_content_type: t => t.__('no content type'),
  no_list: t => t.__('the hub answered no credit list'),
  no_response: t => t.__('no response from the hub'),
  hub_silent: t => t.__('the hub went silent'),
  stream_closed: t => t.__('the hub closed the stream'),
  unreadable: (t, a) => t.__('the hub answered something unreadable: %1', a),
  network_error: (t, a) => t.__('network error: %1', a),
  connection_lost: (t, a) => t.__('connection lost: %1', a),
  unexpected_error: (t, a) =>
    t.__('unexpected error while reading the hub: %1', a),
  state_unwritable: (t, a) =>
    t.__('the server part could not write its state (%1)', a),
  offline: t => t.__('the browser is offline'),
  page_refused: (t, a) =>
    t.__('this Jupyter server refused the page (HTTP %1)', a),
  no_server_part: t =>
    t.__('this Jupyter server has no jupyterlab-hub-credits server part'),
  not_state: t =>
    t.__('this Jupyter server answered something else than its credits state'),
  server_http: (t, a) => t.__('HTTP %1', a),
  not_under_hub: t => t.__('this Jupyter server does not run under JupyterHub'),
  turned_off: t => t.__('turned off in the settings')
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
