/**
 * jupyterlab-hub-credits: one plugin per feature. Each but the core can be
 * switched off with JupyterLab's `disabledExtensions`.
 *
 * - `:plugin`        core: settings, connection, model; provides IHubCredits
 * - `:status-item`   the status bar item and its details
 * - `:notifications` low-balance and stopped notices
 * - `:guard`         run-out warning and automatic save
 * - `:commands`      reconnect, hub home, stop server; the palette
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { commandsPlugin } from './plugins/commands';
import { corePlugin } from './plugins/core';
import { guardPlugin } from './plugins/guard';
import { notificationsPlugin } from './plugins/notifications';
import { statusItemPlugin } from './plugins/statusitem';

import type { IHubCredits } from './tokens';

export * from './tokens';

const plugins: JupyterFrontEndPlugin<IHubCredits | void>[] = [
  corePlugin,
  commandsPlugin,
  statusItemPlugin,
  notificationsPlugin,
  guardPlugin
];

export default plugins;
