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
import { hubHomeUrl, readHubLocation, serverStreamUrl } from './hub';
import type { IHubLocation } from './hub';
import { CreditsModel } from './model';
import { StopNotifier } from './notify';
import { CreditsStatusItem } from './statusitem';
import { CreditsStream } from './stream';

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
 * The settings this plugin reads, with their defaults.
 */
interface ISettings {
  enabled: boolean;
  label: string;
  hubUrl: string;
}

const DEFAULTS: ISettings = { enabled: true, label: '', hubUrl: '' };

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

    const connection = new Private.Connection(model);
    const apply = () => {
      const hub = readHubLocation(PageConfig.getOption, settings.hubUrl);
      connection.configure(settings.enabled ? hub : null, settings.enabled);
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
  export function read(loaded: ISettingRegistry.ISettings): ISettings {
    const composite = loaded.composite as Partial<ISettings>;
    return {
      enabled:
        typeof composite.enabled === 'boolean'
          ? composite.enabled
          : DEFAULTS.enabled,
      label: typeof composite.label === 'string' ? composite.label : '',
      hubUrl: typeof composite.hubUrl === 'string' ? composite.hubUrl : ''
    };
  }

  /**
   * Owns the one stream of this page and keeps it matching the settings.
   */
  export class Connection {
    constructor(model: CreditsModel) {
      this._model = model;
    }

    configure(hub: IHubLocation | null, enabled: boolean): void {
      const url = hub ? serverStreamUrl(hub) : '';
      if (this._stream && url === this._url) {
        return;
      }
      this._stream?.dispose();
      this._stream = null;
      this._url = url;
      if (!hub) {
        this._model.setStatus({
          state: enabled ? 'unavailable' : 'disabled',
          reason: enabled
            ? 'this Jupyter server does not run under JupyterHub'
            : 'turned off in the settings',
          failures: 0,
          nextAttemptAt: null,
          since: Date.now()
        });
        return;
      }
      const sameOrigin = !hub.host || hub.host === window.location.origin;
      this._stream = new CreditsStream({
        url,
        fetch: (input, init) => window.fetch(input, init),
        credentials: sameOrigin ? 'same-origin' : 'include',
        onEvent: event => this._model.applyEvent(event),
        onStatus: status => this._model.setStatus(status)
      });
      this._model.setStatus(this._stream.status);
      this._stream.start();
    }

    private _model: CreditsModel;
    private _stream: CreditsStream | null = null;
    private _url = '';
  }
}
