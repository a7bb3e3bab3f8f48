/**
 * Loading late: what is needed only once there are balances.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import type { ISignal } from '@lumino/signaling';
import { IHubCredits } from '../tokens';

/**
 * Calls `load` once: at the first balance (or the stop, with `orStop`),
 * now if that already came.
 */
function withFirstBalance(
  model: {
    readonly stateChanged: ISignal<unknown, void>;
    readonly lastUpdate: number | null;
    readonly state: string;
  },
  load: () => void,
  orStop = false
): void {
  const check = () => {
    if (model.lastUpdate !== null || (orStop && model.state === 'stopped')) {
      model.stateChanged.disconnect(check);
      load();
    }
  };
  model.stateChanged.connect(check);
  check();
}

/**
 * How a late feature starts, once its code has loaded.
 */
type LateStart = (
  app: JupyterFrontEnd,
  credits: IHubCredits,
  registry: ISettingRegistry,
  translator: ITranslator | null,
  docManager: IDocumentManager | null
) => unknown;

/**
 * A plugin whose code loads after JupyterLab's start under a hub, or with
 * the first balance (or the stop, with `orStop`): only a few lines of it
 * are in what JupyterLab loads at start.
 */
export function latePlugin(options: {
  id: string;
  description: string;
  load: () => Promise<LateStart>;
  orStop?: boolean;
}): JupyterFrontEndPlugin<void> {
  return {
    id: options.id,
    description: options.description,
    autoStart: true,
    requires: [IHubCredits, ISettingRegistry],
    optional: [ITranslator, IDocumentManager],
    activate: (app, credits: IHubCredits, ...rest: unknown[]) => {
      const [registry, translator, docManager] = rest as [
        ISettingRegistry,
        ITranslator | null,
        IDocumentManager | null
      ];
      let loading: Promise<unknown> | null = null;
      const load = () => {
        loading ??= options
          .load()
          .then(start => start(app, credits, registry, translator, docManager));
      };
      withFirstBalance(credits.model, load, options.orStop);
      // Under a hub, also right after JupyterLab's start (not before it):
      // a server the hub stops soon after can no longer serve this code.
      void app.restored.then(() => {
        if (credits.model.visible) {
          load();
        }
      });
    }
  };
}
