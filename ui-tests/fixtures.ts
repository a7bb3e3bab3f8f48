/**
 * The browser specs' real hub, written once: a worker-scoped Playwright
 * fixture. A spec file says how its hub bills with the `hubOptions` option
 * and takes `hub` in its tests; the hub starts with the first test that
 * asks for it and stops (servers, proxy, state) when the worker ends.
 * Every user's JupyterLab is the same quiet one (`TestHub.home`).
 *
 * ```ts
 * import { expect, test } from './fixtures';
 *
 * test.use({ hubOptions: { billingInterval: 3600 } });
 *
 * test('shows the balance', async ({ page, hub }) => {
 *   await login(page, hub, 'alice');
 * });
 * ```
 *
 * `hubOptions` is a worker option: set it at the top of a file (Playwright
 * refuses it inside `describe`); files with the same options share a hub,
 * so their users must differ.
 */
import { test as base } from '@playwright/test';
import { TestHub } from './servers';
import type { IHubOptions } from './servers';

export { expect } from '@playwright/test';

export interface IHubFixtures {
  /** How the hub bills and runs (TestHub's defaults where absent). */
  hubOptions: IHubOptions;
  /** The running hub. */
  hub: TestHub;
}

export const test = base.extend<object, IHubFixtures>({
  hubOptions: [{}, { scope: 'worker', option: true }],
  hub: [
    async ({ hubOptions }, use) => {
      // A copy: a hub may change its own options (see TestHub.dispose).
      const hub = new TestHub({ ...hubOptions });
      try {
        await hub.start();
        await use(hub);
      } finally {
        await hub.dispose();
      }
    },
    { scope: 'worker', timeout: 180000 }
  ]
});
