/**
 * The core plugin: reads the settings, owns the model, connects to the hub.
 * Provides `IHubCredits`, a read-only view of the model.
 *
 * The connection's code loads once JupyterLab has restored its layout (and
 * only under a hub, when turned on); the estimate's with the first balance.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { CreditsConnection, IConnectionConfig } from '../connection';
import { readHubLocation } from '../hub';
import { withFirstBalance } from '../late';
import { CreditsModel, readonlyCredits } from '../model';
import { connectionStatus } from '../status';
import { PLUGIN_ID, watchSettings } from '../settings';
import type { ICreditsSettings } from '../settings';
import { IHubCredits } from '../tokens';

export const corePlugin: JupyterFrontEndPlugin<IHubCredits> = {
  id: PLUGIN_ID,
  description: 'Connects to the JupyterHub credits of this server.',
  autoStart: true,
  provides: IHubCredits,
  requires: [ISettingRegistry],
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry
  ): Promise<IHubCredits> => {
    const model = new CreditsModel();
    let connection: Promise<CreditsConnection> | null = null;
    const connect = (config: IConnectionConfig | null) => {
      if (config) {
        connection ??= Private.loadConnection(app, model);
      }
      void connection?.then(c => (config ? c.configure(config) : c.close()));
    };
    await watchSettings(registry, settings => {
      const hub = readHubLocation(PageConfig.getOption, settings.hubUrl);
      model.configure(settings, hub);
      if (!settings.enabled || !hub) {
        model.setStatus(Private.idle(settings.enabled));
        connect(null);
      } else {
        connect(Private.config(settings, hub));
      }
    });
    // The estimate is needed once there are balances.
    withFirstBalance(model, () => {
      void import('../predict').then(m => model.setEstimator(m.estimateFor));
    });
    return {
      model: readonlyCredits(model),
      reconnect: () => void connection?.then(c => c.reconnect())
    };
  }
};

namespace Private {
  /**
   * The connection, once JupyterLab has restored its layout.
   */
  export async function loadConnection(
    app: JupyterFrontEnd,
    model: CreditsModel
  ): Promise<CreditsConnection> {
    await app.restored;
    const { CreditsConnection } = await import('../connection');
    return new CreditsConnection({
      model,
      token: PageConfig.getToken(),
      storage: Private.localStorage()
    });
  }

  /**
   * `localStorage`, where the browser allows it.
   */
  export function localStorage(): Storage | null {
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  }

  /**
   * The state without a connection: not under a hub, or turned off.
   */
  export function idle(enabled: boolean) {
    return connectionStatus(enabled ? 'unavailable' : 'disabled', Date.now(), {
      reason: enabled
        ? 'this Jupyter server does not run under JupyterHub'
        : 'turned off in the settings'
    });
  }

  /**
   * The connection the settings ask for.
   */
  export function config(
    settings: ICreditsSettings,
    hub: NonNullable<CreditsModel['hub']>
  ): IConnectionConfig {
    return {
      hub,
      endpoint: settings.endpoint,
      auth: settings.auth,
      share: settings.shareAcrossTabs,
      timings: {
        connectTimeoutMs: settings.connectTimeoutSeconds * 1000,
        heartbeatTimeoutMs: settings.heartbeatTimeoutSeconds * 1000,
        backoffBaseMs: settings.backoffBaseSeconds * 1000,
        backoffCapMs: settings.backoffCapSeconds * 1000
      }
    };
  }
}
