/**
 * The connection's reasons in the reader's language. The connection writes
 * them in English (they go to logs and to other extensions as they are);
 * the ones it writes itself are translated here, template and varying parts
 * alike; any other text (the hub's or the relay's own words, a browser's
 * error message) is shown as it came. Loaded with the first reason (see
 * viewmodel.ts).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IConnectionStatus } from '../model/state';

/**
 * The status with its reason translated; the same object when there is
 * nothing to translate.
 */
export function translateStatus(
  trans: TranslationBundle,
  status: IConnectionStatus
): IConnectionStatus {
  const reason = translateReason(trans, status.reason);
  return reason === status.reason
    ? status
    : Object.freeze({ ...status, reason });
}

/**
 * One reason in the reader's language, where it is one of ours.
 */
export function translateReason(
  trans: TranslationBundle,
  reason: string
): string {
  for (const [template, translate] of REASONS) {
    const parts = Private.match(template, reason);
    if (parts) {
      // A part may be a reason itself ("… (checking again)").
      return translate(trans, ...parts.map(p => translateReason(trans, p)));
    }
  }
  return reason;
}

type Translate = (trans: TranslationBundle, ...parts: string[]) => string;

/**
 * Every reason the connection writes: the English template (`%1` where a
 * part varies) and the same words through the translator, as a literal that
 * translation tools find. Wrapping templates come first.
 */
export const REASONS: readonly (readonly [string, Translate])[] = [
  ['%1 (checking again)', (t, a) => t.__('%1 (checking again)', a)],
  [
    "%1; the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes",
    (t, a) =>
      t.__(
        "%1; the hub admin grants the server's token read:servers with c.Spawner.server_token_scopes",
        a
      )
  ],
  ['the hub asked to log in', t => t.__('the hub asked to log in')],
  [
    'this Jupyter server answered something else than its credits state',
    t =>
      t.__('this Jupyter server answered something else than its credits state')
  ],
  [
    'this Jupyter server refused the page (HTTP %1)',
    (t, a) => t.__('this Jupyter server refused the page (HTTP %1)', a)
  ],
  [
    'this Jupyter server has no jupyterlab-hub-credits server part',
    t => t.__('this Jupyter server has no jupyterlab-hub-credits server part')
  ],
  ['HTTP %1', (t, a) => t.__('HTTP %1', a)],
  [
    'the hub refused access (HTTP %1)',
    (t, a) => t.__('the hub refused access (HTTP %1)', a)
  ],
  [
    'the hub no longer knows this server',
    t => t.__('the hub no longer knows this server')
  ],
  [
    'the hub has no credit service (HTTP 404)',
    t => t.__('the hub has no credit service (HTTP 404)')
  ],
  ['the server is not running', t => t.__('the server is not running')],
  [
    'the server no longer answers (its address leads to the hub)',
    t => t.__('the server no longer answers (its address leads to the hub)')
  ],
  ['the hub answered HTTP %1', (t, a) => t.__('the hub answered HTTP %1', a)],
  [
    'unexpected answer from the hub (HTTP %1)',
    (t, a) => t.__('unexpected answer from the hub (HTTP %1)', a)
  ],
  [
    'the hub answered with a login page',
    t => t.__('the hub answered with a login page')
  ],
  [
    'the hub did not answer with an event stream (%1)',
    (t, a) => t.__('the hub did not answer with an event stream (%1)', a)
  ],
  [
    'the hub answered no credit list',
    t => t.__('the hub answered no credit list')
  ],
  [
    'credits are disabled on this hub',
    t => t.__('credits are disabled on this hub')
  ],
  [
    'which entry pays for this server is a guess: %1',
    (t, a) => t.__('which entry pays for this server is a guess: %1', a)
  ],
  ['no content type', t => t.__('no content type')],
  ['network error: %1', (t, a) => t.__('network error: %1', a)],
  ['connection lost: %1', (t, a) => t.__('connection lost: %1', a)],
  ['the hub closed the stream', t => t.__('the hub closed the stream')],
  ['no response from the hub', t => t.__('no response from the hub')],
  ['the hub went silent', t => t.__('the hub went silent')],
  ['the browser is offline', t => t.__('the browser is offline')],
  [
    'this Jupyter server does not run under JupyterHub',
    t => t.__('this Jupyter server does not run under JupyterHub')
  ],
  ['turned off in the settings', t => t.__('turned off in the settings')]
];

namespace Private {
  const patterns = new Map<string, RegExp>();

  /**
   * The varying parts of `reason` when it is written from `template`.
   */
  export function match(template: string, reason: string): string[] | null {
    let pattern = patterns.get(template);
    if (!pattern) {
      const source = template
        .split(/%\d/)
        .map(text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('(.+)');
      pattern = new RegExp(`^${source}$`, 's');
      patterns.set(template, pattern);
    }
    const found = pattern.exec(reason);
    return found ? found.slice(1) : null;
  }
}
