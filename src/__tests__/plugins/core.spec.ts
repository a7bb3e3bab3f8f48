/**
 * The settings reach the client of this server's part, and late features
 * load after JupyterLab's start under a hub (not only with the first
 * balance: a server the hub stops soon after start can no longer serve
 * their code).
 */
import '../helpers/jsdom';
import { Signal } from '@lumino/signaling';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import schema from '../../../schema/plugin.json';
import { corePlugin, leadMinutes } from '../../plugins/core';
import { latePlugin } from '../../plugins/late';
import type { ICreditsSettings } from '../../settings';
import type { IHubCredits } from '../../tokens';

const DEFAULTS = Object.fromEntries(
  Object.entries(schema.properties).map(([name, p]) => [name, p.default])
) as unknown as ICreditsSettings;

/** What the core made of the client: its options and calls. */
interface IMockClient {
  options: { baseUrl: string; fetch: unknown };
  calls: string[];
}

const mockClients: IMockClient[] = [];
const mockFetch = jest.fn();
jest.mock('../../client/client', () => ({
  CreditsClient: class {
    constructor(options: IMockClient['options']) {
      this.record = { options, calls: [] };
      mockClients.push(this.record);
    }
    record: IMockClient;
    start() {
      this.record.calls.push('start');
    }
    setLeadMinutes(minutes: number) {
      this.record.calls.push(`lead ${minutes}`);
    }
    reconnect() {
      this.record.calls.push('reconnect');
    }
    dispose() {
      this.record.calls.push('dispose');
    }
  },
  browserPage: () => ({})
}));
jest.mock('../../client/server', () => ({ serverFetch: () => mockFetch }));

describe('leadMinutes', () => {
  it('is the longer of the warning and the save lead, of those turned on', () => {
    expect(leadMinutes(DEFAULTS)).toBe(10);
    expect(leadMinutes({ ...DEFAULTS, runOutWarning: false })).toBe(3);
    expect(
      leadMinutes({ ...DEFAULTS, runOutWarning: false, autoSave: false })
    ).toBe(0);
    expect(
      leadMinutes({ ...DEFAULTS, autoSaveMinutes: 20, runOutWarning: true })
    ).toBe(20);
  });
});

describe('corePlugin', () => {
  const settle = () => new Promise(resolve => setTimeout(resolve, 0));
  const options = ['hubPrefix', 'hubUser', 'baseUrl'];

  afterEach(() => {
    options.forEach(name => PageConfig.setOption(name, ''));
    mockClients.length = 0;
  });

  async function activate(underHub: boolean, settings = DEFAULTS) {
    if (underHub) {
      PageConfig.setOption('hubPrefix', '/hub/');
      PageConfig.setOption('hubUser', 'alice');
      PageConfig.setOption('baseUrl', '/user/alice/');
    }
    const changed = new Signal<unknown, void>({});
    const loaded = { composite: settings, changed };
    const registry = {
      load: async () => loaded
    } as unknown as ISettingRegistry;
    let restore!: () => void;
    const app = {
      restored: new Promise<void>(resolve => (restore = resolve)),
      serviceManager: {}
    } as unknown as JupyterFrontEnd;
    const credits = await corePlugin.activate(app, registry);
    const change = (over: Partial<ICreditsSettings>) => {
      loaded.composite = { ...loaded.composite, ...over };
      changed.emit();
    };
    return { credits, restore, change };
  }

  it('under a hub, starts the client once JupyterLab restored, with the lead the settings give', async () => {
    const { credits, restore, change } = await activate(true);
    await settle();
    expect(mockClients).toHaveLength(0);
    restore();
    await settle();
    expect(mockClients).toHaveLength(1);
    const [client] = mockClients;
    expect(client.options.baseUrl).toBe('/user/alice/');
    expect(client.options.fetch).toBe(mockFetch);
    expect(client.calls).toEqual(['start', 'lead 10']);
    change({ runOutWarning: false });
    await settle();
    expect(client.calls).toEqual(['start', 'lead 10', 'lead 3']);
    credits.reconnect();
    await settle();
    expect(client.calls[client.calls.length - 1]).toBe('reconnect');
    expect(mockClients).toHaveLength(1);
  });

  it('turned off: the client goes and the item says so; turned on: a new client', async () => {
    const { credits, restore, change } = await activate(true);
    restore();
    await settle();
    change({ enabled: false });
    await settle();
    expect(mockClients[0].calls).toContain('dispose');
    expect(credits.model.state).toBe('disabled');
    change({ enabled: true });
    await settle();
    expect(mockClients).toHaveLength(2);
    expect(mockClients[1].calls).toEqual(['start', 'lead 10']);
  });

  it('not under a hub: no client, and the credits are unavailable', async () => {
    const { credits, restore } = await activate(false);
    restore();
    await settle();
    expect(mockClients).toHaveLength(0);
    expect(credits.model.state).toBe('unavailable');
    expect(credits.model.visible).toBe(false);
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
