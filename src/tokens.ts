/**
 * The public API: a read-only view of this page's credits, and the ids of
 * the commands. Everything else in this package is internal.
 */
import { Token } from '@lumino/coreutils';
import type { ICreditsModel } from './model/api';

export type { ICreditsModel } from './model/api';
export type { IThresholds, Level } from './model/levels';
export type { ConnectionState, IConnectionStatus } from './model/state';
export type {
  Estimate,
  IBalance,
  IBalanceSample,
  ICreditEntry,
  IGrant,
  IHubLocation,
  IProjectCredits
} from './model/types';

/**
 * The credits of this page, as this server's part reads them from the hub.
 *
 * ```ts
 * const plugin = {
 *   id: 'my-extension:plugin',
 *   requires: [IHubCredits],
 *   activate: (app, credits: IHubCredits) =>
 *     credits.model.stateChanged.connect(() => console.log(credits.model.level))
 * };
 * ```
 */
export interface IHubCredits {
  readonly model: ICreditsModel;
  /** A user's Reconnect: the server part leaves a terminal state and reads again. */
  reconnect(): void;
}

export const IHubCredits = new Token<IHubCredits>(
  'jupyterlab-hub-credits:IHubCredits',
  'The JupyterHub credits of this server (read-only).'
);

/**
 * The commands this extension adds.
 */
export namespace CommandIDs {
  export const showDetails = 'hub-credits:show-details';
  export const reconnect = 'hub-credits:reconnect';
  export const openHubHome = 'hub-credits:open-hub-home';
  export const stopServer = 'hub-credits:stop-server';
}
