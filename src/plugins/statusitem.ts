/**
 * The status bar item and its details (in Notebook 7, where there is no
 * status bar: the item in the top area, the details in a dialog).
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { DetailsToggle } from '../views/detailstoggle';
import type { IDisplayOptions } from '../views/format';
import type { ICreditsSettings } from '../settings';
import { watchSettings } from '../settings';
import { CreditsStatusItem } from '../views/item';
import { CommandIDs, IHubCredits } from '../tokens';
import { CreditsViewModel } from '../views/viewmodel';
import { loadOnce } from '../views/lazy';

const STATUS_ID = 'jupyterlab-hub-credits:status';

export const statusItemPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:status-item',
  description: 'Shows the credits in the status bar, with details on click.',
  autoStart: true,
  requires: [IHubCredits, ISettingRegistry],
  optional: [IStatusBar, ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    credits: IHubCredits,
    registry: ISettingRegistry,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const { commands } = app;
    const model = credits.model;
    const display = (settings: ICreditsSettings): IDisplayOptions => ({
      label: settings.label.trim() || trans.__('Credits'),
      show: settings.show,
      format: settings.format
    });
    const view = new CreditsViewModel(
      model,
      { label: trans.__('Credits'), show: 'both', format: 'fraction' },
      trans
    );
    await watchSettings(registry, settings => {
      view.display = display(settings);
    });
    const item = new CreditsStatusItem({
      model: view,
      trans,
      onActivate: () => void commands.execute(CommandIDs.showDetails)
    });
    const run = (id: string) => () => void commands.execute(id);
    const options: DetailsToggle.IOptions = {
      credits: model,
      display: () => view.display,
      trans,
      anchor: statusBar ? item : null,
      actions: () => ({
        reconnect: () => credits.reconnect(),
        // Offered only where the commands plugin provides them.
        openHubHome: commands.hasCommand(CommandIDs.openHubHome)
          ? run(CommandIDs.openHubHome)
          : undefined,
        stopServer:
          commands.hasCommand(CommandIDs.stopServer) &&
          commands.isVisible(CommandIDs.stopServer)
            ? run(CommandIDs.stopServer)
            : undefined
      })
    };
    // The details' code loads when they are first asked for.
    // A failed load (the server gone) is tried again at the next ask.
    const loadDetails = loadOnce(() =>
      import('../views/detailstoggle').then(m => new m.DetailsToggle(options))
    );
    const toggle = async () => {
      await (await loadDetails()).toggle();
    };
    // Under a hub, the code the item needs after a stop (the details, the
    // words for the hub's reasons) loads right after JupyterLab's start:
    // a stopped server can no longer serve it.
    void app.restored.then(() => {
      if (model.visible) {
        void Promise.all([
          loadDetails(),
          import('../views/details'),
          view.preload()
        ]).catch(() => undefined);
      }
    });
    commands.addCommand(CommandIDs.showDetails, {
      label: trans.__('Show Hub Credit Details'),
      caption: trans.__(
        'Balances, burn rate and time until your credits run out'
      ),
      isEnabled: () => model.visible && item.isAttached,
      execute: toggle
    });
    if (statusBar) {
      // Hidden, with no request made, while not under a hub or turned off.
      statusBar.registerStatusItem(STATUS_ID, {
        item,
        align: 'left',
        rank: 100,
        isActive: () => model.visible,
        activeStateChanged: model.stateChanged
      });
      return;
    }
    item.id = STATUS_ID;
    item.addClass('jp-CreditsStatus-top');
    const sync = () => item.setHidden(!model.visible);
    model.stateChanged.connect(sync);
    sync();
    app.shell.add(item, 'top', { rank: 1000 });
  }
};
