/**
 * Notifications: once per low-balance crossing, and once when the hub
 * stopped the server (saying why, and what was lost or saved). Their code
 * (startnotices.ts) loads with the first balance or the stop.
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

export const notificationsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:notifications',
  description:
    'Notifies when credits run low and when the hub stopped the server.',
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
    withFirstBalance(
      credits.model,
      () => {
        void import('../startnotices').then(m =>
          m.startNotices(app, credits, registry, translator, docManager)
        );
      },
      true
    );
  }
};
