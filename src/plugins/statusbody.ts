/**
 * The status item's body (see `statusitem.ts`): the item, its styles, the
 * display settings and the details.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { IStatusBar } from '@jupyterlab/statusbar';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Panel } from '@lumino/widgets';
import css from '../../style/base.raw.css';
import { checkSetup } from '../client/doctor';
import { serverFetch } from '../client/server';
import { watchSettings } from '../settings';
import type { ICreditsSettings } from '../settings';
import { CommandIDs } from '../tokens';
import type { IHubCredits } from '../tokens';
import type { DetailsToggle } from '../views/detailstoggle';
import type { IDisplayOptions } from '../views/format';
import { CreditsStatusItem } from '../views/item';
import { loadOnce } from '../views/lazy';
import { CreditsViewModel } from '../views/viewmodel';

/** Puts the item into `holder` and readies its details. */
export async function mountItem(options: {
  app: JupyterFrontEnd;
  credits: IHubCredits;
  registry: ISettingRegistry;
  statusBar: IStatusBar | null;
  trans: TranslationBundle;
  holder: Panel;
}): Promise<{ toggle(): Promise<void> }> {
  const { app, credits, registry, statusBar, trans, holder } = options;
  const { commands } = app;
  const model = credits.model;
  addStyle();
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
  if (!statusBar) {
    item.addClass('jp-CreditsStatus-top');
  }
  holder.addWidget(item);
  const run = (id: string) => () => void commands.execute(id);
  const details: DetailsToggle.IOptions = {
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
          : undefined,
      // The owner's, as the stop (the server decides both).
      check: model.canStop
        ? () => checkSetup(serverFetch(), PageConfig.getBaseUrl())
        : undefined
    })
  };
  const loadDetails = loadOnce(() =>
    import('../views/detailstoggle').then(m => new m.DetailsToggle(details))
  );
  // What the item needs after a stop (the details, the words for the
  // reasons) loads now: a stopped server can no longer serve it.
  void Promise.all([
    loadDetails(),
    import('../views/details'),
    view.preload()
  ]).catch(() => undefined);
  return { toggle: async () => (await loadDetails()).toggle() };
}

/**
 * The item's styles, as one <style> element (imported as text: a CSS
 * loader's runtime would weigh more than the styles).
 */
function addStyle(): void {
  if (document.querySelector('style[data-source="jupyterlab-hub-credits"]')) {
    return;
  }
  const style = document.createElement('style');
  style.dataset.source = 'jupyterlab-hub-credits';
  style.textContent = css;
  document.head.appendChild(style);
}
