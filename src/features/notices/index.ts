/**
 * The notices at work: loaded with the first balance or the stop (see
 * plugins/notifications.ts), they read their settings and watch the
 * credits.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { ITranslator } from '@jupyterlab/translation';
import { nullTranslator } from '@jupyterlab/translation';
import { openDocuments } from '../documents';
import { LowBalanceNotifier, StopNotifier } from './notices';
import { watchSettings } from '../../settings';
import { CommandIDs } from '../../tokens';
import type { IHubCredits } from '../../tokens';

export async function startNotices(
  app: JupyterFrontEnd,
  credits: IHubCredits,
  registry: ISettingRegistry,
  translator: ITranslator | null,
  docManager: IDocumentManager | null
): Promise<void> {
  const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
  const { commands } = app;
  const model = credits.model;
  const run = (id: string) => () => {
    if (commands.hasCommand(id)) {
      void commands.execute(id);
    }
  };
  let enabled = false;
  let lowBalance: LowBalanceNotifier | null = null;
  const loaded = await watchSettings(registry, settings => {
    enabled = settings.notifications;
    lowBalance?.refresh();
  });
  if (!loaded) {
    return;
  }
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
  lowBalance = new LowBalanceNotifier({
    model,
    trans,
    enabled: () => enabled,
    showDetails: run(CommandIDs.showDetails),
    mute: () => void loaded.set('notifications', false)
  });
  stop.refresh();
  lowBalance.refresh();
}
