/**
 * The work guard: warns before the credits run out and saves open
 * documents in time. Its code loads with the first balance.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { WorkGuard } from '../guard';
import { withFirstBalance } from '../late';
import { watchSettings } from '../settings';
import type { ICreditsSettings } from '../settings';
import { CommandIDs, IHubCredits } from '../tokens';

export const guardPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:guard',
  description: 'Warns before credits run out and saves open documents in time.',
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
    const model = credits.model;
    let guard: WorkGuard | null = null;
    let settings: ICreditsSettings | null = null;
    const options = (): WorkGuard.ISettings => ({
      warn: settings!.runOutWarning,
      warnLeadMs: settings!.runOutWarningMinutes * 60000,
      autoSave: settings!.autoSave && docManager !== null,
      autoSaveLeadMs: settings!.autoSaveMinutes * 60000
    });
    const start = async () => {
      const [{ WorkGuard }, { openDocuments }] = await Promise.all([
        import('../guard'),
        import('../documents')
      ]);
      guard = new WorkGuard({
        model,
        trans,
        settings: options,
        documents: () => (docManager ? openDocuments(app, docManager) : []),
        saveAll: () => app.commands.execute('docmanager:save-all'),
        openHubHome: () => {
          if (app.commands.hasCommand(CommandIDs.openHubHome)) {
            void app.commands.execute(CommandIDs.openHubHome);
          }
        }
      });
      guard.check();
    };
    const loaded = await watchSettings(registry, value => {
      settings = value;
      guard?.check();
    });
    if (loaded) {
      withFirstBalance(model, () => void start());
    }
  }
};
