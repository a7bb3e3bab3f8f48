/**
 * The commands: reconnect, open the hub home page, stop this server; all in
 * the command palette.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { hubHomeUrl } from '../client/location';
import { CommandIDs, IHubCredits } from '../tokens';

/**
 * JupyterLab's own "hub control panel" command (hub extension).
 */
const HUB_CONTROL_PANEL = 'hub:control-panel';

export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:commands',
  description: 'Commands to reconnect, open the hub home and stop the server.',
  autoStart: true,
  requires: [IHubCredits],
  optional: [ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    credits: IHubCredits,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const { commands } = app;
    const model = credits.model;
    const openHubHome = () => {
      const hub = model.hub;
      if (!hub) {
        return;
      }
      // The hub extension knows the hub this server runs under.
      if (commands.hasCommand(HUB_CONTROL_PANEL)) {
        void commands.execute(HUB_CONTROL_PANEL);
      } else {
        window.open(hubHomeUrl(hub), '_blank', 'noopener');
      }
    };
    commands.addCommand(CommandIDs.reconnect, {
      label: trans.__('Reconnect to Hub Credits'),
      isEnabled: () => model.visible,
      execute: () => credits.reconnect()
    });
    commands.addCommand(CommandIDs.openHubHome, {
      label: trans.__('Open Hub Home Page'),
      isEnabled: () => model.hub !== null,
      execute: openHubHome
    });
    // Only the owner may stop the server, as the server decided from the
    // request's identity: a guest of a shared server is never offered it.
    const owner = () => model.canStop;
    commands.addCommand(CommandIDs.stopServer, {
      label: trans.__('Stop My Server (Hub)…'),
      isEnabled: () => owner() && model.state !== 'stopped',
      isVisible: owner,
      execute: async () => {
        const hub = model.hub;
        if (hub && owner()) {
          const [{ stopServer }, { serverFetch }] = await Promise.all([
            import('../client/stop'),
            import('../client/server')
          ]);
          await stopServer(
            { fetch: serverFetch(), baseUrl: hub.baseUrl },
            trans,
            openHubHome
          );
        }
      }
    });
    if (palette) {
      const category = trans.__('Hub Credits');
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category });
      }
    }
  }
};
