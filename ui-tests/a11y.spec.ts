/**
 * The details for keyboard and screen-reader users, in a real JupyterLab
 * spawned by a real hub: the WAI-ARIA dialog pattern by keyboard alone
 * (Enter and Space), Escape and focus back on the item, mouse then Escape
 * then a click that opens again; and axe-core on the item and the open
 * details in the light and dark themes.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import { ITEM, ITEM_TEXT, login, runFromPalette } from './helpers';

const DETAILS = '.jp-CreditsDetails';
// The checks axe makes for ARIA, names, contrast and focus.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Balances hold still unless a test moves them.
test.use({ hubOptions: { taskInterval: 1, billingInterval: 3600 } });

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      item: !!el?.classList.contains('jp-CreditsStatus'),
      inDetails: !!el?.closest('.jp-CreditsDetails'),
      label: el?.textContent?.trim() ?? ''
    };
  });

/**
 * Presses Tab until the credits item has the focus (bounded).
 */
async function tabToItem(page: Page): Promise<void> {
  await page.locator('#jp-main-dock-panel').click();
  for (let i = 0; i < 300; i++) {
    if ((await focused(page)).item) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached the credits item');
}

for (const key of ['Enter', ' ']) {
  test(`keyboard only (${key === ' ' ? 'Space' : key}): open, Tab through every control and around, Escape, focus back`, async ({
    page,
    hub
  }) => {
    await login(page, hub, key === ' ' ? 'kim' : 'kai');
    await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100');
    const item = page.locator(ITEM);
    await expect(item).toHaveAttribute('aria-expanded', 'false');
    await tabToItem(page);
    await page.keyboard.press(key);
    const details = page.locator(DETAILS);
    await expect(details).toBeVisible();
    // Focus moves into the details once they have rendered.
    await expect.poll(async () => (await focused(page)).inDetails).toBe(true);
    await expect(item).toHaveAttribute('aria-expanded', 'true');
    await expect(item).toHaveAttribute('aria-controls', 'jp-CreditsDetails');
    await expect(details).toHaveAttribute('role', 'dialog');
    await expect(details).toHaveAccessibleName('Hub credits');

    const controls = await details
      .locator('button:not(:disabled)')
      .allTextContents();
    expect(controls).toEqual([
      'Reconnect',
      'Open hub home',
      'Check set-up',
      'Stop my server…'
    ]);
    const seen: string[] = [(await focused(page)).label];
    for (let i = 0; i < controls.length; i++) {
      await page.keyboard.press('Tab');
      const now = await focused(page);
      expect(now.inDetails).toBe(true);
      seen.push(now.label);
    }
    // Every control, then around to the first again: Tab stays inside.
    expect(seen).toEqual([...controls, controls[0]]);
    await page.keyboard.press('Shift+Tab');
    expect((await focused(page)).label).toBe(controls[controls.length - 1]);

    await page.keyboard.press('Escape');
    await expect(details).toHaveCount(0);
    await expect.poll(async () => (await focused(page)).item).toBe(true);
    await expect(item).toHaveAttribute('aria-expanded', 'false');
  });
}

test('a toast that appears while the details are open leaves their focus there; Escape returns it to the item', async ({
  page,
  hub
}) => {
  await login(page, hub, 'toni');
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100');
  await page.locator(ITEM).focus();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await focused(page)).inDetails).toBe(true);
  const before = (await focused(page)).label;
  // A toast with actions, as JupyterLab's "official Jupyter news?" one.
  await page.evaluate(() =>
    (
      window as unknown as {
        jupyterapp: {
          commands: { execute(id: string, args: unknown): Promise<unknown> };
        };
      }
    ).jupyterapp.commands.execute('apputils:notify', {
      message: 'Would you like to get notified about official Jupyter news?',
      type: 'default',
      options: {
        autoClose: false,
        actions: [
          { label: 'Open privacy policy', commandId: 'help:about' },
          { label: 'Yes', commandId: 'help:about' }
        ]
      }
    })
  );
  const toast = page.locator('.jp-toastContainer', {
    hasText: 'official Jupyter news'
  });
  await expect(toast).toBeVisible();
  expect(await focused(page)).toMatchObject({ inDetails: true, label: before });
  await page.keyboard.press('Escape');
  await expect(page.locator(DETAILS)).toHaveCount(0);
  await expect.poll(async () => (await focused(page)).item).toBe(true);
  await expect(toast).toBeVisible();
});

test('mouse: open, Escape closes, the next click opens again; a click outside closes', async ({
  page,
  hub
}) => {
  await login(page, hub, 'max');
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100');
  const item = page.locator(ITEM);
  const details = page.locator(DETAILS);
  await item.click();
  await expect(details).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);
  await expect.poll(async () => (await focused(page)).item).toBe(true);
  await item.click();
  await expect(details).toBeVisible();
  await page.locator('#jp-main-dock-panel').click();
  await expect(details).toHaveCount(0);
});

test('axe-core: no violations on the item and the open details, light and dark', async ({
  page,
  hub
}) => {
  await login(page, hub, 'ada');
  await expect(page.locator(ITEM_TEXT)).toContainText('Credits: 100 / 100');
  for (const theme of ['Light', 'Dark'] as const) {
    await runFromPalette(page, `Use Theme: JupyterLab ${theme}`);
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-theme-light',
      theme === 'Light' ? 'true' : 'false'
    );
    const item = await new AxeBuilder({ page })
      .include(ITEM)
      .withTags(AXE_TAGS)
      .analyze();
    expect(item.violations).toEqual([]);
    await page.locator(ITEM).click();
    await expect(page.locator(DETAILS)).toBeVisible();
    const details = await new AxeBuilder({ page })
      .include(DETAILS)
      .withTags(AXE_TAGS)
      .analyze();
    expect(details.violations).toEqual([]);
    expect(details.passes.length).toBeGreaterThan(5);
    await page.keyboard.press('Escape');
    await expect(page.locator(DETAILS)).toHaveCount(0);
  }
});
