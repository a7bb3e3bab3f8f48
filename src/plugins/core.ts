/**
 * The core plugin: reads the settings, owns the model, and runs the client
 * of this server's part. Provides `IHubCredits`, a read-only view of the
 * model.
 *
 * The client's code loads once JupyterLab has restored its layout (and
 * only under a hub, when turned on).
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { CreditsClient } from '../client/client';
import { readHubLocation } from '../client/location';
import type { IHubLocation } from '../client/location';
import { CreditsModel, readonlyCredits } from '../model/model';
import { because, connectionStatus } from '../model/state';
import { PLUGIN_ID, watchSettings } from '../settings';
import type { ICreditsSettings } from '../settings';
import { IHubCredits } from '../tokens';

export const corePlugin: JupyterFrontEndPlugin<IHubCredits> = {
  id: PLUGIN_ID,
  description: 'Shows the JupyterHub credits of this server.',
  autoStart: true,
  provides: IHubCredits,
  requires: [ISettingRegistry],
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry
  ): Promise<IHubCredits> => {
    const model = new CreditsModel();
    const hub = readHubLocation(PageConfig.getOption);
    let client: Promise<CreditsClient> | null = null;
    let lead = 0;
    await watchSettings(registry, settings => {
      model.configure(settings, hub);
      lead = leadMinutes(settings);
      if (!settings.enabled || !hub) {
        model.setStatus(Private.idle(settings.enabled));
        void client?.then(c => c.dispose());
        client = null;
        return;
      }
      client ??= Private.startClient(app, model, hub);
      void client.then(c => c.setLeadMinutes(lead));
    });
    return {
      model: readonlyCredits(model),
      reconnect: () => void client?.then(c => c.reconnect())
    };
  }
};

/**
 * How far ahead this page guards work (minutes; 0: nothing to guard).
 */
export function leadMinutes(settings: ICreditsSettings): number {
  return Math.max(
    settings.autoSave ? settings.autoSaveMinutes : 0,
    settings.runOutWarning ? settings.runOutWarningMinutes : 0
  );
}

namespace Private {
  /**
   * The client, once JupyterLab has restored its layout.
   */
  export async function startClient(
    app: JupyterFrontEnd,
    model: CreditsModel,
    hub: IHubLocation
  ): Promise<CreditsClient> {
    await app.restored;
    const [{ CreditsClient, browserPage }, { serverFetch }] = await Promise.all(
      [import('../client/client'), import('../client/server')]
    );
    const services = app.serviceManager as unknown as Partial<
      Pick<CreditsClient.IOptions, 'connectionFailure'>
    > & { events?: { stream: CreditsClient.IOptions['events'] } };
    const client = new CreditsClient({
      model,
      baseUrl: hub.baseUrl,
      fetch: serverFetch(),
      page: browserPage(),
      events: services.events?.stream ?? null,
      connectionFailure: services.connectionFailure ?? null
    });
    client.start();
    return client;
  }

  /**
   * The state without a client: not under a hub, or turned off.
   */
  export function idle(enabled: boolean) {
    return connectionStatus(
      enabled ? 'unavailable' : 'disabled',
      Date.now(),
      because(enabled ? 'not_under_hub' : 'turned_off')
    );
  }
}
