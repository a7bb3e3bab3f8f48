/**
 * The extension's settings, as the settings schema (schema/plugin.json)
 * defines them. The schema is the one place defaults live: the setting
 * registry validates what users write and fills in the defaults, so the
 * plugins read `settings.composite` and nothing else.
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { ShowWhat, TextFormat } from './views/format';

/**
 * The id of the core plugin, which owns the settings schema.
 */
export const PLUGIN_ID = 'jupyterlab-hub-credits:plugin';

/**
 * Every setting (see schema/plugin.json for meanings and defaults).
 */
export interface ICreditsSettings {
  readonly enabled: boolean;
  readonly label: string;
  readonly show: ShowWhat;
  readonly entries: readonly string[];
  readonly format: TextFormat;
  readonly warningPercent: number;
  readonly criticalPercent: number;
  readonly notifications: boolean;
  readonly runOutWarning: boolean;
  readonly runOutWarningMinutes: number;
  readonly autoSave: boolean;
  readonly autoSaveMinutes: number;
  // hubUrl, endpoint, auth, reading, shareAcrossTabs and the timings are
  // deprecated and ignored (kept in the schema for one release).
}

/**
 * Loads the settings and calls `apply` now and after every change (settings
 * apply live). Resolves to the loaded settings, `null` when they could not
 * be loaded (then `apply` is never called).
 */
export async function watchSettings(
  registry: ISettingRegistry,
  apply: (settings: ICreditsSettings) => void
): Promise<ISettingRegistry.ISettings | null> {
  let loaded: ISettingRegistry.ISettings;
  try {
    loaded = await registry.load(PLUGIN_ID);
  } catch (reason) {
    console.error(`${PLUGIN_ID}: the settings could not be loaded`, reason);
    return null;
  }
  const read = () => apply(loaded.composite as unknown as ICreditsSettings);
  read();
  loaded.changed.connect(read);
  return loaded;
}
