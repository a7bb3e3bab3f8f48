/**
 * "Stop my server…" on a hub whose servers share its origin, against a
 * real JupyterHub with the real credit service (issue 21.1): through the
 * server's relay (`POST hub-credits/stop`) even with `auth: cookie`, where
 * a DELETE from the page would fail on the hub's `_xsrf`; and a guest of a
 * shared server is refused by the server itself. (Servers on their own
 * origins: stop-subdomain.spec.ts.)
 */
import { expect, test } from './fixtures';
import { ITEM_TEXT, login } from './helpers';
import { ownerStops } from './stopping';

test.use({
  hubOptions: { taskInterval: 1, billingValue: 1, billingInterval: 3600 }
});

test('with auth: cookie the stop works through the relay', async ({
  page,
  hub
}) => {
  hub.userSettings('cody', 'jupyterlab-hub-credits', 'plugin', {
    auth: 'cookie'
  });
  const requests = await ownerStops(page, hub, 'cody');
  expect(requests).toEqual([`POST ${hub.url}/user/cody/hub-credits/stop`]);
  // The hub's own stream (same origin) says why.
  await expect(page.locator(ITEM_TEXT)).toHaveText('Credits: server stopped', {
    timeout: 30000
  });
});

test("a guest's stop is refused by the server (403) and the owner's server runs on", async ({
  browser,
  hub
}) => {
  const owner = await (await browser.newContext()).newPage();
  await login(owner, hub, 'olga');
  const guest = await (await browser.newContext()).newPage();
  await guest.goto(
    `${hub.url}/hub/login?next=${encodeURIComponent('/hub/home')}`
  );
  await guest.fill('#username_input', 'gil');
  await guest.fill('#password_input', hub.password);
  await guest.click('#login_submit');
  await guest.waitForURL('**/hub/home');
  await hub.share('olga', 'gil');
  await guest.goto(hub.labUrl('olga'));
  await guest
    .getByRole('button', { name: 'Authorize' })
    .click({ timeout: 60000 });
  await guest.locator('#jp-main-statusbar').waitFor({ timeout: 60000 });
  await expect(guest.locator(ITEM_TEXT)).toContainText('Credits:', {
    timeout: 30000
  });
  // The guest's browser asks the route as JupyterLab would (its cookie and
  // the _xsrf header): the server decides, and says no.
  const answer = await guest.evaluate(async () => {
    const xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
    const response = await fetch('/user/olga/hub-credits/stop', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-XSRFToken': decodeURIComponent(xsrf) }
    });
    return { status: response.status, body: await response.text() };
  });
  expect(answer.status).toBe(403);
  expect(answer.body).toContain('owner');
  await guest.waitForTimeout(2000);
  expect(Object.keys(await hub.servers('olga'))).toEqual(['']);
  await guest.context().close();
  await owner.context().close();
});
