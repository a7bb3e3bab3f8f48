/**
 * The commands: reconnect, open the hub home page, stop this server; all in
 * the command palette.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { AuthMode } from '../connection/endpoints';
import { hubHomeUrl, readHubLocation } from '../connection/hub';
import { watchSettings } from '../settings';
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
  optional: [ITranslator, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    credits: IHubCredits,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null
  ) => {
    // The stop authenticates as the stream does (`auth` setting).
    let auth: AuthMode = 'auto';
    if (registry) {
      void watchSettings(registry, settings => (auth = settings.auth));
    }
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const { commands } = app;
    const model = credits.model;
    const openHubHome = () => {
      const hub = model.hub;
      if (!hub) {
        return;
      }
      // The hub extension knows the hub this server runs under; a hub URL
      // from the settings may point elsewhere.
      const own = readHubLocation(PageConfig.getOption);
      const ownHub = own !== null && hubHomeUrl(own) === hubHomeUrl(hub);
      if (ownHub && commands.hasCommand(HUB_CONTROL_PANEL)) {
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
    // Only the owner may stop the server: a guest of a shared server (or an
    // admin looking in) is never offered it.
    const owner = () =>
      model.hub !== null && model.hub.viewer === model.hub.user;
    commands.addCommand(CommandIDs.stopServer, {
      label: trans.__('Stop My Server (Hub)…'),
      isEnabled: () => owner() && model.state !== 'stopped',
      isVisible: owner,
      execute: async () => {
        const hub = model.hub;
        if (hub && owner()) {
          const { stopServer } = await import('../connection/stop');
          await stopServer(
            hub,
            auth,
            PageConfig.getToken(),
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
