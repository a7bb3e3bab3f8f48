/**
 * jupyterlab-hub-credits: wiring only. The parts live in their own modules.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CreditsConnection } from './connection';
import { hubHomeUrl, readHubLocation } from './hub';
import type { AuthMode, EndpointMode } from './hub';
import { CreditsModel } from './model';
import { StopNotifier } from './notify';
import { CreditsStatusItem } from './statusitem';

export { CreditsModel } from './model';
export { CreditsStream, DEFAULT_TIMINGS } from './stream';
export type {
  ConnectionState,
  IConnectionStatus,
  IStreamTimings
} from './stream';
export { parseCreditsEvent } from './payload';
export type { CreditsEvent, ICreditEntry, IProjectCredits } from './payload';
export {
  readHubLocation,
  serverStreamUrl,
  userStreamUrl,
  hubHomeUrl
} from './hub';
export type { IHubLocation } from './hub';

const PLUGIN_ID = 'jupyterlab-hub-credits:plugin';
const STATUS_ID = 'jupyterlab-hub-credits:status';

/**
 * The settings this plugin reads, with their defaults (see schema/plugin.json).
 */
interface ISettings {
  enabled: boolean;
  label: string;
  hubUrl: string;
  endpoint: EndpointMode;
  auth: AuthMode;
  shareAcrossTabs: boolean;
  connectTimeoutSeconds: number;
  heartbeatTimeoutSeconds: number;
  backoffBaseSeconds: number;
  backoffCapSeconds: number;
}

const DEFAULTS: ISettings = {
  enabled: true,
  label: '',
  hubUrl: '',
  endpoint: 'auto',
  auth: 'auto',
  shareAcrossTabs: true,
  connectTimeoutSeconds: 10,
  heartbeatTimeoutSeconds: 24,
  backoffBaseSeconds: 1,
  backoffCapSeconds: 60
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Shows your JupyterHub credits, live, in the status bar.',
  autoStart: true,
  optional: [IStatusBar, ITranslator, ISettingRegistry],
  activate: async (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null
  ): Promise<void> => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const model = new CreditsModel();

    let settings: ISettings = { ...DEFAULTS };
    let loaded: ISettingRegistry.ISettings | null = null;
    if (settingRegistry) {
      try {
        loaded = await settingRegistry.load(PLUGIN_ID);
        settings = Private.read(loaded);
      } catch (reason) {
        console.warn(`${PLUGIN_ID}: settings could not be loaded`, reason);
      }
    }

    const connection = new CreditsConnection({
      model,
      token: PageConfig.getToken()
    });
    const apply = () => {
      const hub = readHubLocation(PageConfig.getOption, settings.hubUrl);
      connection.configure({
        hub,
        enabled: settings.enabled,
        endpoint: settings.endpoint,
        auth: settings.auth,
        share: settings.shareAcrossTabs,
        timings: {
          connectTimeoutMs: settings.connectTimeoutSeconds * 1000,
          heartbeatTimeoutMs: settings.heartbeatTimeoutSeconds * 1000,
          backoffBaseMs: settings.backoffBaseSeconds * 1000,
          backoffCapMs: settings.backoffCapSeconds * 1000
        }
      });
      item.label = settings.label.trim() || trans.__('Credits');
      hubHome = hub ? hubHomeUrl(hub) : '';
    };

    let hubHome = '';
    const item = new CreditsStatusItem({ model, trans });
    new StopNotifier({
      model,
      trans,
      openHubHome: () => {
        if (hubHome) {
          window.open(hubHome, '_blank', 'noopener');
        }
      }
    });

    apply();
    loaded?.changed.connect(() => {
      settings = Private.read(loaded!);
      apply();
    });

    // Hidden, with no request made, while not under a hub or turned off.
    if (statusBar) {
      statusBar.registerStatusItem(STATUS_ID, {
        item,
        align: 'left',
        rank: 100,
        isActive: () => model.visible,
        activeStateChanged: model.stateChanged
      });
    }
  }
};

export default plugin;

namespace Private {
  /**
   * The composite settings, each value checked against its default's type.
   */
  export function read(loaded: ISettingRegistry.ISettings): ISettings {
    const composite = loaded.composite as Record<string, unknown>;
    const result: Record<string, unknown> = { ...DEFAULTS };
    for (const [key, fallback] of Object.entries(DEFAULTS)) {
      const value = composite[key];
      if (typeof value === typeof fallback) {
        result[key] = value;
      }
    }
    return result as unknown as ISettings;
  }
}
