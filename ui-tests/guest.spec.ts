/**
 * A guest of a shared server, against a real JupyterHub with the real
 * credit service: the guest reads the owner's server's credits through the
 * relay and is offered no stop. (Servers on their own origins:
 * layouts.spec.ts.)
 */
import { expect, test } from './fixtures';
import { ITEM, ITEM_TEXT, creditRequests, login } from './helpers';

test.use({
  hubOptions: { taskInterval: 1, billingValue: 1, billingInterval: 3600 }
});

test.describe('a guest of a shared server', () => {
  test("sees the credits that pay for the owner's server, follows a change, and is offered no stop", async ({
    browser,
    hub
  }) => {
    const owner = await (await browser.newContext()).newPage();
    await login(owner, hub, 'olivia');
    await hub.setUserCredits('olivia', { balance: 77 });
    await expect(owner.locator(ITEM_TEXT)).toContainText('Credits: 77 / 100', {
      timeout: 30000
    });

    const guest = await (await browser.newContext()).newPage();
    const requests = creditRequests(guest);
    // The guest logs in without a server of his own; olivia shares hers;
    // he opens it and confirms the hub's authorization page once.
    await guest.goto(
      `${hub.url}/hub/login?next=${encodeURIComponent('/hub/home')}`
    );
    await guest.fill('#username_input', 'gus');
    await guest.fill('#password_input', hub.password);
    await guest.click('#login_submit');
    await guest.waitForURL('**/hub/home');
    await hub.setUserCredits('gus', { balance: 33 });
    await hub.share('olivia', 'gus');
    await guest.goto(hub.labUrl('olivia'));
    const authorize = guest.getByRole('button', { name: 'Authorize' });
    await authorize.click({ timeout: 60000 });
    await guest.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });

    const item = guest.locator(ITEM_TEXT);
    await expect(item).toContainText('Credits: 77 / 100', { timeout: 30000 });
    await hub.setUserCredits('olivia', { balance: 66 });
    await expect(item).toContainText('Credits: 66 / 100', { timeout: 10000 });
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) {
      expect(url).toMatch(
        new RegExp(`^${hub.url}/user/olivia/hub-credits/(state|claim)$`)
      );
    }

    // No stop: not in the details, not in the palette, and running the
    // command anyway stops nothing.
    await guest.locator(ITEM).click();
    await expect(guest.locator('.jp-CreditsDetails')).toBeVisible();
    await expect(
      guest.locator('.jp-CreditsDetails').getByRole('button', {
        name: 'Reconnect'
      })
    ).toBeVisible();
    await expect(
      guest.getByRole('button', { name: 'Stop my server…' })
    ).toHaveCount(0);
    // Nor the owner's checks.
    await expect(
      guest.getByRole('button', { name: 'Check set-up' })
    ).toHaveCount(0);
    const offered = await guest.evaluate(() => {
      const app = (
        window as unknown as {
          jupyterapp: {
            commands: {
              isVisible(id: string): boolean;
              isEnabled(id: string): boolean;
              execute(id: string): Promise<unknown>;
            };
          };
        }
      ).jupyterapp;
      const id = 'hub-credits:stop-server';
      const result = {
        visible: app.commands.isVisible(id),
        enabled: app.commands.isEnabled(id)
      };
      void app.commands.execute(id);
      return result;
    });
    expect(offered).toEqual({ visible: false, enabled: false });
    await expect(guest.locator('.jp-Dialog')).toHaveCount(0);
    await guest.waitForTimeout(3000);
    expect(Object.keys(await hub.servers('olivia'))).toEqual(['']);
    await guest.context().close();
    await owner.context().close();
  });
});
