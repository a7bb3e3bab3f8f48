/**
 * A user who picks German reads German: the item's details, the settings
 * form and the commands, from this package's own catalogs (with the
 * German JupyterLab language pack installed, as JupyterLab needs to offer
 * the language). The hub is faked at the server part's network edge.
 */
import { expect, test } from './fixtures';
import { HubEdge, TestLab } from './servers';
import { ITEM, ITEM_TEXT, pretendHub } from './helpers';

test('in German: the item, its details, the commands and the settings form', async ({
  page
}) => {
  const edge = new HubEdge(() => '{"balance": 77, "cap": 100}', 0);
  await edge.start();
  const lab = new TestLab('.venv', 'lab', [], edge.env());
  lab.userSettings('@jupyterlab/translation-extension', 'plugin', {
    locale: 'de_DE'
  });
  try {
    await lab.start();
    await pretendHub(page);
    await page.goto(lab.url);
    await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 77 / 100', {
      timeout: 30000
    });
    // JupyterLab itself speaks German (its language pack)...
    await expect(page.locator('#jp-menu-panel')).toContainText('Datei');
    // ...and so do the details, from this package's catalog.
    await page.locator(ITEM).click();
    const details = page.locator('.jp-CreditsDetails');
    await expect(details).toContainText('Verbrauchsrate');
    await expect(details).toContainText('Aufgebraucht in');
    await expect(details).not.toContainText('Burn rate');
    await page.keyboard.press('Escape');
    // The palette's commands.
    const labels = await page.evaluate(() => {
      const app = (
        window as unknown as {
          jupyterapp: { commands: { label(id: string): string } };
        }
      ).jupyterapp;
      return [
        app.commands.label('hub-credits:show-details'),
        app.commands.label('hub-credits:reconnect')
      ];
    });
    expect(labels[1]).toContain('verbinden');
    expect(labels[0]).not.toBe('Show Hub Credit Details');
    // The settings form: the schema as the server translates it.
    const schema = await page.evaluate(async () => {
      const config = JSON.parse(
        document.getElementById('jupyter-config-data')!.textContent!
      ) as { token: string };
      const response = await fetch(
        '/lab/api/settings/jupyterlab-hub-credits:plugin',
        { headers: { Authorization: `token ${config.token}` } }
      );
      return (
        (await response.json()) as {
          schema: { properties: Record<string, { title: string }> };
        }
      ).schema;
    });
    expect(schema.properties.enabled.title).toBe('Credits anzeigen');
  } finally {
    await lab.dispose();
    await edge.dispose();
  }
});
