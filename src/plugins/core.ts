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
import type {
  CreditsConnection,
  IConnectionConfig
} from '../connection/connection';
import { readHubLocation } from '../connection/hub';
import { withFirstBalance } from './late';
import { CreditsModel, readonlyCredits } from '../model/model';
import { connectionStatus } from '../model/state';
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
    let connection: Promise<IConnectionParts> | null = null;
    const connect = (config: IConnectionConfig | null) => {
      if (config) {
        connection ??= Private.loadConnection(app, model);
      }
      void connection?.then(parts =>
        config ? parts.configure(config) : parts.connection.close()
      );
    };
    await watchSettings(registry, settings => {
      const hub = readHubLocation(PageConfig.getOption, settings.hubUrl);
      model.configure(settings, hub);
      if (!settings.enabled || !hub) {
        model.setStatus(Private.idle(settings.enabled));
        connect(null);
      } else {
        connect(connectionConfig(settings, hub));
      }
    });
    // The estimate is needed once there are balances.
    withFirstBalance(model, () => {
      void import('../model/estimate').then(m =>
        model.setEstimator(m.estimateFor)
      );
    });
    return {
      model: readonlyCredits(model),
      reconnect: () =>
        void connection?.then(parts => parts.connection.reconnect())
    };
  }
};

/**
 * What the core plugin drives once the connection's code has loaded.
 */
interface IConnectionParts {
  readonly connection: CreditsConnection;
  configure(config: IConnectionConfig): void;
}

namespace Private {
  /**
   * The connection and the history keeper, once JupyterLab has restored its
   * layout. The keeper is bound anew when the hub changes.
   */
  export async function loadConnection(
    app: JupyterFrontEnd,
    model: CreditsModel
  ): Promise<IConnectionParts> {
    await app.restored;
    const [{ CreditsConnection }, { HistoryKeeper }] = await Promise.all([
      import('../connection/connection'),
      import('../model/history')
    ]);
    const connection = new CreditsConnection({
      model,
      token: PageConfig.getToken()
    });
    const storage = Private.localStorage();
    let keeper: InstanceType<typeof HistoryKeeper> | null = null;
    return {
      connection,
      configure: config => {
        const key = storage ? HistoryKeeper.keyOf(config.hub) : '';
        if (storage && keeper?.key !== key) {
          keeper?.dispose();
          keeper = new HistoryKeeper({ model, storage, hub: config.hub });
        }
        connection.configure(config);
      }
    };
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
}

/**
 * The connection the settings ask for.
 */
export function connectionConfig(
  settings: ICreditsSettings,
  hub: NonNullable<CreditsModel['hub']>
): IConnectionConfig {
  return {
    hub,
    endpoint: settings.endpoint,
    auth: settings.auth,
    share: settings.shareAcrossTabs,
    reading: settings.reading,
    timings: {
      connectTimeoutMs: settings.connectTimeoutSeconds * 1000,
      heartbeatTimeoutMs: settings.heartbeatTimeoutSeconds * 1000,
      backoffBaseMs: settings.backoffBaseSeconds * 1000,
      backoffCapMs: settings.backoffCapSeconds * 1000
    }
  };
}
