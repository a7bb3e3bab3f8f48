/**
 * The stop command: offered when the server says this page's user may stop
 * it (its owner; a guest of a shared server or an admin looking in never
 * gets it, and running it anyway does nothing), and it asks this server's
 * own part for the stop.
 */
import { CommandRegistry } from '@lumino/commands';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { commandsPlugin } from '../../plugins/commands';
import type { IHubLocation } from '../../client/location';
import { CommandIDs } from '../../tokens';
import type { IHubCredits } from '../../tokens';
import { HUB } from '../helpers/fixtures';

// Only the palette's token is used from there.
jest.mock('@jupyterlab/apputils', () => ({ ICommandPalette: {} }));

const stopServer = jest.fn(async () => undefined);
jest.mock('../../client/stop', () => ({
  stopServer: (...args: unknown[]) => stopServer(...(args as []))
}));
const toServer = jest.fn();
jest.mock('../../client/server', () => ({
  serverFetch: () => toServer
}));

function activate(hub: IHubLocation | null, canStop: boolean, state = 'live') {
  const commands = new CommandRegistry();
  const reconnect = jest.fn();
  const credits = {
    model: { hub, state, visible: hub !== null, canStop },
    reconnect
  } as unknown as IHubCredits;
  const app = { commands } as unknown as JupyterFrontEnd;
  void commandsPlugin.activate(app, credits, null, null);
  return { commands, reconnect };
}

describe('the stop command', () => {
  beforeEach(() => stopServer.mockClear());

  it('is offered when the server allows it, and asks this server for the stop', async () => {
    const { commands } = activate(HUB, true);
    expect(commands.isVisible(CommandIDs.stopServer)).toBe(true);
    expect(commands.isEnabled(CommandIDs.stopServer)).toBe(true);
    await commands.execute(CommandIDs.stopServer);
    expect(stopServer).toHaveBeenCalledTimes(1);
    const [options] = stopServer.mock.calls[0] as unknown[];
    expect(options).toEqual({ fetch: toServer, baseUrl: HUB.baseUrl });
  });

  it('is neither shown nor enabled when the server does not allow it, and does nothing when run', async () => {
    // The page's own idea of who looks does not matter: the server decides.
    for (const hub of [HUB, { ...HUB, viewer: 'gus' }]) {
      const { commands } = activate(hub, false);
      expect(commands.isVisible(CommandIDs.stopServer)).toBe(false);
      expect(commands.isEnabled(CommandIDs.stopServer)).toBe(false);
      await commands.execute(CommandIDs.stopServer);
    }
    expect(stopServer).not.toHaveBeenCalled();
  });

  it('is disabled once the server stopped, and does nothing outside a hub', async () => {
    expect(
      activate(HUB, true, 'stopped').commands.isEnabled(CommandIDs.stopServer)
    ).toBe(false);
    const none = activate(null, true).commands;
    await none.execute(CommandIDs.stopServer);
    expect(stopServer).not.toHaveBeenCalled();
  });
});

describe('the reconnect command', () => {
  it("runs the credits' reconnect while the item shows", async () => {
    const { commands, reconnect } = activate(HUB, true, 'unauthorized');
    expect(commands.isEnabled(CommandIDs.reconnect)).toBe(true);
    await commands.execute(CommandIDs.reconnect);
    expect(reconnect).toHaveBeenCalledTimes(1);
    expect(activate(null, false).commands.isEnabled(CommandIDs.reconnect)).toBe(
      false
    );
  });
});
