/**
 * The settings reach the connection, and late features load after
 * JupyterLab's start under a hub (not only with the first balance: a server
 * the hub stops soon after start can no longer serve their code).
 */
import '../helpers/jsdom';
import { Signal } from '@lumino/signaling';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import schema from '../../../schema/plugin.json';
import { connectionConfig } from '../../plugins/core';
import { latePlugin } from '../../plugins/late';
import type { ICreditsSettings } from '../../settings';
import type { IHubCredits } from '../../tokens';
import { HUB } from '../helpers/fixtures';

const DEFAULTS = Object.fromEntries(
  Object.entries(schema.properties).map(([name, p]) => [name, p.default])
) as unknown as ICreditsSettings;

describe('connectionConfig', () => {
  it('passes the reading rule, the sharing and the timings (in ms) on', () => {
    const config = connectionConfig(
      { ...DEFAULTS, reading: 'poll', shareAcrossTabs: false },
      HUB
    );
    expect(config.reading).toBe('poll');
    expect(config.share).toBe(false);
    expect(config.timings.backoffBaseMs).toBe(
      DEFAULTS.backoffBaseSeconds * 1000
    );
    expect(connectionConfig(DEFAULTS, HUB).reading).toBe('auto');
  });
});

describe('latePlugin', () => {
  function activate(visible: boolean) {
    const stateChanged = new Signal<unknown, void>({});
    const model = {
      stateChanged,
      lastUpdate: null as number | null,
      state: 'connecting',
      visible
    };
    let started = 0;
    const plugin = latePlugin({
      id: 'test:late',
      description: '',
      load: async () => () => started++
    });
    let restore!: () => void;
    const app = {
      restored: new Promise<void>(resolve => (restore = resolve))
    } as unknown as JupyterFrontEnd;
    void plugin.activate(
      app,
      { model } as unknown as IHubCredits,
      {} as ISettingRegistry,
      null,
      null
    );
    const settle = () => new Promise(resolve => setTimeout(resolve, 0));
    return { model, stateChanged, restore, settle, started: () => started };
  }

  it('loads right after JupyterLab restored, under a hub, once', async () => {
    const late = activate(true);
    await late.settle();
    expect(late.started()).toBe(0);
    late.restore();
    await late.settle();
    expect(late.started()).toBe(1);
    late.model.lastUpdate = 1;
    late.stateChanged.emit();
    await late.settle();
    expect(late.started()).toBe(1);
  });

  it('not under a hub, loads with the first balance only', async () => {
    const late = activate(false);
    late.restore();
    await late.settle();
    expect(late.started()).toBe(0);
    late.model.lastUpdate = 1;
    late.stateChanged.emit();
    await late.settle();
    expect(late.started()).toBe(1);
  });
});
