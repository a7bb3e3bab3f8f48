/**
 * The stop command: offered to the server's owner only (a guest of a shared
 * server or an admin looking in never gets it, and running it anyway does
 * nothing), and it hands the stop the page's hub and settings.
 */
import { CommandRegistry } from '@lumino/commands';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { commandsPlugin } from '../../plugins/commands';
import type { IHubLocation } from '../../connection/hub';
import { CommandIDs } from '../../tokens';
import type { IHubCredits } from '../../tokens';
import { HUB } from '../helpers/fixtures';

// Only the palette's token is used from there.
jest.mock('@jupyterlab/apputils', () => ({ ICommandPalette: {} }));

const stopServer = jest.fn(async () => undefined);
jest.mock('../../connection/stop', () => ({
  stopServer: (...args: unknown[]) => stopServer(...(args as []))
}));

function activate(hub: IHubLocation | null, state = 'live') {
  const commands = new CommandRegistry();
  const credits = {
    model: { hub, state, visible: hub !== null },
    reconnect: jest.fn()
  } as unknown as IHubCredits;
  const app = { commands } as unknown as JupyterFrontEnd;
  void commandsPlugin.activate(app, credits, null, null, null);
  return commands;
}

describe('the stop command', () => {
  beforeEach(() => stopServer.mockClear());

  it('is offered to the owner, and runs the stop for this hub', async () => {
    const commands = activate(HUB);
    expect(commands.isVisible(CommandIDs.stopServer)).toBe(true);
    expect(commands.isEnabled(CommandIDs.stopServer)).toBe(true);
    await commands.execute(CommandIDs.stopServer);
    expect(stopServer).toHaveBeenCalledTimes(1);
    const [hub, auth] = stopServer.mock.calls[0] as unknown[];
    expect(hub).toBe(HUB);
    expect(auth).toBe('auto');
  });

  it('is neither shown nor enabled for a guest or an admin, and does nothing when run', async () => {
    const commands = activate({ ...HUB, viewer: 'gus' });
    expect(commands.isVisible(CommandIDs.stopServer)).toBe(false);
    expect(commands.isEnabled(CommandIDs.stopServer)).toBe(false);
    await commands.execute(CommandIDs.stopServer);
    expect(stopServer).not.toHaveBeenCalled();
  });

  it('is disabled once the server stopped, and absent outside a hub', async () => {
    expect(activate(HUB, 'stopped').isEnabled(CommandIDs.stopServer)).toBe(
      false
    );
    const none = activate(null);
    expect(none.isVisible(CommandIDs.stopServer)).toBe(false);
    await none.execute(CommandIDs.stopServer);
    expect(stopServer).not.toHaveBeenCalled();
  });
});
