/**
 * "Stop my server…" where servers live on their own origins
 * (`subdomain_host`), against a real JupyterHub with the real credit
 * service (issue 21.1): the page cannot reach the hub (no CORS), so it asks
 * its own server's relay (`POST hub-credits/stop`), which asks the hub with
 * the server's token.
 */
import { expect, test } from './fixtures';
import { ownerStops } from './stopping';

// Bills slowly: nothing but the stop ends the server.
test.use({
  hubOptions: {
    subdomain: true,
    taskInterval: 1,
    billingValue: 1,
    billingInterval: 3600
  }
});

test('the owner stops the server from the details, through the relay', async ({
  page,
  hub
}) => {
  const requests = await ownerStops(page, hub, 'stella');
  expect(new URL(page.url()).host).toBe(`stella.localhost:${hub.port}`);
  // Asked once, of the server's own origin; never the hub's.
  expect(requests).toEqual([
    `POST http://stella.localhost:${hub.port}/user/stella/hub-credits/stop`
  ]);
});
