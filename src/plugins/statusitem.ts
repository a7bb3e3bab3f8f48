/**
 * The status bar item (in Notebook 7, without a status bar: in the top
 * area). At start only an empty holder and the command: the item's body
 * (`statusbody.ts`) loads after JupyterLab's start, and only under a hub.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Panel } from '@lumino/widgets';
import { CommandIDs, IHubCredits } from '../tokens';
import { loadOnce } from '../views/lazy';

const STATUS_ID = 'jupyterlab-hub-credits:status';

export const statusItemPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hub-credits:status-item',
  description: 'Shows the credits in the status bar, with details on click.',
  autoStart: true,
  requires: [IHubCredits, ISettingRegistry],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    credits: IHubCredits,
    registry: ISettingRegistry,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hub_credits');
    const model = credits.model;
    const holder = new Panel();
    holder.addClass('jp-CreditsStatus-holder');
    const body = loadOnce(() =>
      import('./statusbody').then(m =>
        m.mountItem({ app, credits, registry, statusBar, trans, holder })
      )
    );
    app.commands.addCommand(CommandIDs.showDetails, {
      label: trans.__('Show Hub Credit Details'),
      caption: trans.__(
        'Balances, burn rate and time until your credits run out'
      ),
      isEnabled: () => model.visible && holder.isAttached,
      execute: async () => (await body()).toggle()
    });
    const mount = () => {
      if (model.visible) {
        model.stateChanged.disconnect(mount);
        void body().catch(() => undefined);
      }
    };
    void app.restored.then(() => {
      model.stateChanged.connect(mount);
      mount();
    });
    if (statusBar) {
      // Hidden, with no request made, while not under a hub or turned off.
      statusBar.registerStatusItem(STATUS_ID, {
        item: holder,
        align: 'left',
        rank: 100,
        isActive: () => model.visible,
        activeStateChanged: model.stateChanged
      });
      return;
    }
    holder.id = STATUS_ID;
    const sync = () => holder.setHidden(!model.visible);
    model.stateChanged.connect(sync);
    sync();
    app.shell.add(holder, 'top', { rank: 1000 });
  }
};
