/**
 * Notifications: once per low-balance crossing, and once when the hub
 * stopped the server (saying what was lost or saved). Their code loads
 * with the first balance or the stop, whichever comes first.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { withFirstBalance } from '../late';
import { watchSettings } from '../settings';
import { CommandIDs, IHubCredits } from '../tokens';

export const notificationsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:notifications',
  description:
    'Notifies when credits run low and when the hub stopped the server.',
  autoStart: true,
  requires: [IHubCredits, ISettingRegistry],
  optional: [ITranslator, IDocumentManager],
  activate: async (
    app: JupyterFrontEnd,
    credits: IHubCredits,
    registry: ISettingRegistry,
    translator: ITranslator | null,
    docManager: IDocumentManager | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const { commands } = app;
    const model = credits.model;
    const run = (id: string) => () => {
      if (commands.hasCommand(id)) {
        void commands.execute(id);
      }
    };
    let enabled = false;
    let refresh = () => undefined as void;
    const loaded = await watchSettings(registry, settings => {
      enabled = settings.notifications;
      refresh();
    });
    const start = async () => {
      const [{ LowBalanceNotifier, StopNotifier }, { openDocuments }] =
        await Promise.all([import('../notify'), import('../documents')]);
      const stop = new StopNotifier({
        model,
        trans,
        openHubHome: run(CommandIDs.openHubHome),
        unsavedDocuments: docManager
          ? () =>
              openDocuments(app, docManager)
                .filter(d => d.dirty)
                .map(d => d.path)
          : undefined
      });
      const lowBalance = new LowBalanceNotifier({
        model,
        trans,
        enabled: () => enabled,
        showDetails: run(CommandIDs.showDetails),
        mute: () => void loaded?.set('notifications', false)
      });
      refresh = () => lowBalance.refresh();
      stop.refresh();
      lowBalance.refresh();
    };
    if (loaded) {
      withFirstBalance(model, () => void start(), true);
    }
  }
};
