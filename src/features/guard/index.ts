/**
 * The work guard at work: loaded with the first balance (see
 * plugins/guard.ts), it reads its settings and watches the credits.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { ITranslator } from '@jupyterlab/translation';
import { nullTranslator } from '@jupyterlab/translation';
import { openDocuments } from '../documents';
import { WorkGuard } from './guard';
import { watchSettings } from '../../settings';
import type { ICreditsSettings } from '../../settings';
import { CommandIDs } from '../../tokens';
import type { IHubCredits } from '../../tokens';

export async function startGuard(
  app: JupyterFrontEnd,
  credits: IHubCredits,
  registry: ISettingRegistry,
  translator: ITranslator | null,
  docManager: IDocumentManager | null
): Promise<WorkGuard | null> {
  const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
  const { commands } = app;
  let guard: WorkGuard | null = null;
  let settings: ICreditsSettings | null = null;
  const loaded = await watchSettings(registry, value => {
    settings = value;
    guard?.check();
  });
  if (!loaded) {
    return null;
  }
  guard = new WorkGuard({
    model: credits.model,
    trans,
    settings: () => ({
      warn: settings!.runOutWarning,
      warnLeadMs: settings!.runOutWarningMinutes * 60000,
      autoSave: settings!.autoSave && docManager !== null,
      autoSaveLeadMs: settings!.autoSaveMinutes * 60000
    }),
    documents: () => (docManager ? openDocuments(app, docManager) : []),
    saveAll: () => commands.execute('docmanager:save-all'),
    openHubHome: () => {
      if (commands.hasCommand(CommandIDs.openHubHome)) {
        void commands.execute(CommandIDs.openHubHome);
      }
    }
  });
  guard.check();
  return guard;
}
