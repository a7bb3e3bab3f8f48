/**
 * Public tokens: other extensions can read the credits.
 */
import { Token } from '@lumino/coreutils';
import type { CreditsModel } from './model';

/**
 * The credits of this page, live from the hub.
 *
 * ```ts
 * const plugin = {
 *   requires: [IHubCredits],
 *   activate: (app, credits: IHubCredits) =>
 *     credits.model.stateChanged.connect(() => console.log(credits.model.entries))
 * };
 * ```
 */
export interface IHubCredits {
  /** Connection state, entries, history and estimate; emits `stateChanged`. */
  readonly model: CreditsModel;
  /** Reconnects the stream now. */
  reconnect(): void;
}

export const IHubCredits = new Token<IHubCredits>(
  'jupyterlab-hub-credits:IHubCredits',
  'The JupyterHub credits of this page, live from the hub.'
);
