/**
 * The work guard: warns before the credits run out and saves open
 * documents in time. Its code (startguard.ts) loads with the first balance.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { withFirstBalance } from '../late';
import { IHubCredits } from '../tokens';

export const guardPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:guard',
  description: 'Warns before credits run out and saves open documents in time.',
  autoStart: true,
  requires: [IHubCredits, ISettingRegistry],
  optional: [ITranslator, IDocumentManager],
  activate: (
    app: JupyterFrontEnd,
    credits: IHubCredits,
    registry: ISettingRegistry,
    translator: ITranslator | null,
    docManager: IDocumentManager | null
  ) => {
    withFirstBalance(credits.model, () => {
      void import('../startguard').then(m =>
        m.startGuard(app, credits, registry, translator, docManager)
      );
    });
  }
};
