/**
 * jupyterlab-hub-credits: wiring only. The parts live in their own modules.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { PageConfig, PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar, showPopup } from '@jupyterlab/statusbar';
import type { Popup } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CreditsConnection } from './connection';
import type { IDisplayOptions, ShowWhat, TextFormat } from './format';
import { hubHomeUrl, hubUrl, readHubLocation } from './hub';
import type { AuthMode, EndpointMode, IHubLocation } from './hub';
import { CreditsModel } from './model';
import { WorkGuard } from './guard';
import type { IOpenDocument } from './guard';
import { LowBalanceNotifier, StopNotifier } from './notify';
import { CreditsDetails } from './popup';
import { CreditsStatusItem } from './statusitem';
import { IHubCredits } from './tokens';

export { IHubCredits } from './tokens';
export { CreditsModel } from './model';
export { CreditsStream, DEFAULT_TIMINGS } from './stream';
export type {
  ConnectionState,
  IConnectionStatus,
  IEndpoint,
  IStreamTimings
} from './stream';
export { parseCreditsEvent } from './payload';
export type { CreditsEvent, ICreditEntry, IProjectCredits } from './payload';
export { estimate } from './predict';
export type { Estimate, IBalanceSample } from './predict';
export {
  readHubLocation,
  serverStreamUrl,
  userStreamUrl,
  hubHomeUrl,
  streamEndpoints
} from './hub';
export type { IHubLocation } from './hub';

const PLUGIN_ID = 'jupyterlab-hub-credits:plugin';
const STATUS_ID = 'jupyterlab-hub-credits:status';

export namespace CommandIDs {
  export const showDetails = 'hub-credits:show-details';
  export const reconnect = 'hub-credits:reconnect';
  export const openHubHome = 'hub-credits:open-hub-home';
  export const stopServer = 'hub-credits:stop-server';
}

/**
 * The settings this plugin reads, with their defaults (see schema/plugin.json).
 */
interface ISettings {
  enabled: boolean;
  label: string;
  show: ShowWhat;
  entries: string[];
  format: TextFormat;
  warningPercent: number;
  criticalPercent: number;
  notifications: boolean;
  runOutWarning: boolean;
  runOutWarningMinutes: number;
  autoSave: boolean;
  autoSaveMinutes: number;
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
  show: 'both',
  entries: [],
  format: 'fraction',
  warningPercent: 25,
  criticalPercent: 10,
  notifications: true,
  runOutWarning: true,
  runOutWarningMinutes: 10,
  autoSave: true,
  autoSaveMinutes: 3,
  hubUrl: '',
  endpoint: 'auto',
  auth: 'auto',
  shareAcrossTabs: true,
  connectTimeoutSeconds: 10,
  heartbeatTimeoutSeconds: 24,
  backoffBaseSeconds: 1,
  backoffCapSeconds: 60
};

const plugin: JupyterFrontEndPlugin<IHubCredits> = {
  id: PLUGIN_ID,
  description: 'Shows your JupyterHub credits, live, in the status bar.',
  autoStart: true,
  provides: IHubCredits,
  optional: [
    IStatusBar,
    ITranslator,
    ISettingRegistry,
    ICommandPalette,
    IDocumentManager
  ],
  activate: async (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    docManager: IDocumentManager | null
  ): Promise<IHubCredits> => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const model = new CreditsModel();
    const token = PageConfig.getToken();

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

    let hub: IHubLocation | null = null;
    const display = (): IDisplayOptions => ({
      label: settings.label.trim() || trans.__('Credits'),
      show: settings.show,
      entries: settings.entries,
      format: settings.format,
      warningPercent: settings.warningPercent,
      criticalPercent: Math.min(
        settings.criticalPercent,
        settings.warningPercent
      )
    });

    const connection = new CreditsConnection({ model, token });
    let popup: Popup | null = null;
    const item = new CreditsStatusItem({
      model,
      trans,
      display: display(),
      onActivate: () => void app.commands.execute(CommandIDs.showDetails)
    });

    const openHubHome = () => {
      if (hub) {
        window.open(hubHomeUrl(hub), '_blank', 'noopener');
      }
    };

    const stopServer = async () => {
      if (!hub) {
        return;
      }
      const result = await showDialog({
        title: trans.__('Stop your server?'),
        body: trans.__(
          'The hub stops this Jupyter server and its kernels; billing stops too. Unsaved changes are lost. Save your work first.'
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Stop server') })
        ]
      });
      if (!result.button.accept) {
        return;
      }
      const url = hubUrl(
        hub,
        'api/credits/stopserver',
        hub.user,
        hub.serverName
      );
      try {
        const response = await window.fetch(url, {
          method: 'DELETE',
          credentials:
            hub.host && hub.host !== window.location.origin
              ? 'include'
              : 'same-origin',
          redirect: 'manual',
          headers: token ? { Authorization: `token ${token}` } : {}
        });
        if (response.status !== 202 && response.status !== 204) {
          throw new Error(`HTTP ${response.status || 'redirect'}`);
        }
        Notification.info(trans.__('The hub is stopping your server.'), {
          autoClose: 5000
        });
      } catch (reason) {
        Notification.error(
          trans.__(
            'The hub did not stop the server (%1). Stop it from the hub home page.',
            reason instanceof Error ? reason.message : String(reason)
          ),
          {
            autoClose: false,
            actions: [
              { label: trans.__('Open hub home'), callback: openHubHome }
            ]
          }
        );
      }
    };

    const actions: CreditsDetails.IActions = {
      reconnect: () => connection.reconnect(),
      openHubHome,
      stopServer: () => void stopServer()
    };

    app.commands.addCommand(CommandIDs.showDetails, {
      label: trans.__('Show Hub Credit Details'),
      caption: trans.__(
        'Balances, burn rate and time until your credits run out'
      ),
      isEnabled: () => model.visible && item.isAttached,
      execute: async () => {
        if (!statusBar) {
          // No status bar (Notebook 7): the details in a dialog.
          const body = new CreditsDetails({ model, trans, display, actions });
          await showDialog({
            title: trans.__('Hub credits'),
            body,
            buttons: [Dialog.okButton({ label: trans.__('Close') })]
          });
          body.dispose();
          return;
        }
        if (popup && !popup.isDisposed) {
          popup.dispose();
          popup = null;
          return;
        }
        const body = new CreditsDetails({ model, trans, display, actions });
        popup = showPopup({
          body,
          anchor: item,
          align: 'left',
          hasDynamicSize: true
        });
        popup.disposed.connect(() => {
          body.dispose();
          item.node.focus();
        });
        body.node.querySelector<HTMLButtonElement>('button')?.focus();
      }
    });
    app.commands.addCommand(CommandIDs.reconnect, {
      label: trans.__('Reconnect to Hub Credits'),
      isEnabled: () => model.visible,
      execute: () => connection.reconnect()
    });
    app.commands.addCommand(CommandIDs.openHubHome, {
      label: trans.__('Open Hub Home Page'),
      isEnabled: () => hub !== null,
      execute: openHubHome
    });
    app.commands.addCommand(CommandIDs.stopServer, {
      label: trans.__('Stop My Server (Hub)…'),
      isEnabled: () => hub !== null && model.state !== 'stopped',
      execute: () => stopServer()
    });
    if (palette) {
      const category = trans.__('Hub Credits');
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category });
      }
    }

    const documents = (): IOpenDocument[] =>
      docManager ? Private.openDocuments(app, docManager) : [];
    new StopNotifier({
      model,
      trans,
      openHubHome,
      unsavedDocuments: docManager
        ? () =>
            documents()
              .filter(d => d.dirty)
              .map(d => d.path)
        : undefined
    });
    const guard = new WorkGuard({
      model,
      trans,
      level: () => item.level,
      settings: () => ({
        warn: settings.runOutWarning,
        warnLeadMs: settings.runOutWarningMinutes * 60000,
        autoSave: settings.autoSave && docManager !== null,
        autoSaveLeadMs: settings.autoSaveMinutes * 60000
      }),
      documents,
      saveAll: () => app.commands.execute('docmanager:save-all'),
      openHubHome
    });
    const lowBalance = new LowBalanceNotifier({
      model,
      trans,
      level: () => item.level,
      enabled: () => settings.notifications,
      showDetails: () => void app.commands.execute(CommandIDs.showDetails),
      mute: () => void loaded?.set('notifications', false)
    });

    const apply = () => {
      hub = readHubLocation(PageConfig.getOption, settings.hubUrl);
      item.display = display();
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
      lowBalance.refresh();
      guard.check();
    };
    apply();
    loaded?.changed.connect(() => {
      settings = Private.read(loaded!);
      apply();
    });

    // Hidden, with no request made, while not under a hub or turned off.
    // Notebook 7 has no status bar: the item goes to the top area there.
    if (statusBar) {
      statusBar.registerStatusItem(STATUS_ID, {
        item,
        align: 'left',
        rank: 100,
        isActive: () => model.visible,
        activeStateChanged: model.stateChanged
      });
    } else {
      // No status bar (Notebook 7): the same item in the top area.
      item.id = STATUS_ID;
      item.addClass('jp-CreditsStatus-top');
      const sync = () => item.setHidden(!model.visible);
      model.stateChanged.connect(sync);
      sync();
      app.shell.add(item, 'top', { rank: 1000 });
    }

    return { model, reconnect: () => connection.reconnect() };
  }
};

export default plugin;

namespace Private {
  /**
   * The documents open in the main area, one per file.
   */
  export function openDocuments(
    app: JupyterFrontEnd,
    docManager: IDocumentManager
  ): IOpenDocument[] {
    const byPath = new Map<string, IOpenDocument>();
    for (const widget of app.shell.widgets('main')) {
      const context = docManager.contextForWidget(widget);
      if (!context || byPath.has(context.path)) {
        continue;
      }
      byPath.set(context.path, {
        path: context.path,
        dirty: context.model.dirty,
        writable:
          !context.model.readOnly && context.contentsModel?.writable !== false,
        untitledAndEmpty:
          /^untitled/i.test(PathExt.basename(context.path)) && isEmpty(context),
        save: () => context.save()
      });
    }
    return [...byPath.values()];
  }

  /**
   * No text, or a notebook whose cells are all blank.
   */
  export function isEmpty(context: DocumentRegistry.Context): boolean {
    const json = context.model.toJSON() as unknown;
    if (typeof json === 'string') {
      return json.trim() === '';
    }
    const cells = (json as { cells?: { source?: string | string[] }[] })?.cells;
    if (Array.isArray(cells)) {
      return cells.every(cell => {
        const source = cell.source ?? '';
        return (Array.isArray(source) ? source.join('') : source).trim() === '';
      });
    }
    return false;
  }

  /**
   * The composite settings, each value checked against its default's type.
   */
  export function read(loaded: ISettingRegistry.ISettings): ISettings {
    const composite = loaded.composite as Record<string, unknown>;
    const result: Record<string, unknown> = { ...DEFAULTS };
    for (const [key, fallback] of Object.entries(DEFAULTS)) {
      const value = composite[key];
      if (
        Array.isArray(fallback)
          ? Array.isArray(value) && value.every(v => typeof v === 'string')
          : typeof value === typeof fallback
      ) {
        result[key] = value;
      }
    }
    return result as unknown as ISettings;
  }
}
