/**
 * JupyterLab that does not run under a hub: the extension stays silent.
 */
import { expect, test } from '@playwright/test';
import { TestLab } from './servers';

let lab: TestLab;

test.beforeAll(async () => {
  lab = new TestLab();
  await lab.start();
});

test.afterAll(async () => {
  await lab?.dispose();
});

test('without a hub there is no credits item and no credits request', async ({
  page
}) => {
  const creditRequests: string[] = [];
  const errors: string[] = [];
  page.on('request', request => {
    if (request.url().includes('/api/credits')) {
      creditRequests.push(request.url());
    }
  });
  page.on('console', message => {
    if (message.type() === 'error' || message.type() === 'warning') {
      errors.push(message.text());
    }
  });
  await page.goto(lab.url);
  await page.locator('#jp-main-statusbar').waitFor();
  // The plugin is installed and activated...
  await expect
    .poll(() =>
      page.evaluate(() =>
        (
          window as unknown as {
            jupyterapp: {
              hasPlugin(id: string): boolean;
              isPluginActivated(id: string): boolean;
            };
          }
        ).jupyterapp.isPluginActivated('jupyterlab-hub-credits:plugin')
      )
    )
    .toBe(true);
  // ...but shows nothing and asks nothing.
  await expect(page.locator('.jp-CreditsStatus')).toBeHidden();
  expect(creditRequests).toEqual([]);
  expect(errors.filter(text => text.includes('hub-credits'))).toEqual([]);
});
