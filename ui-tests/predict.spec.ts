/**
 * Predictions against a real hub's billing: the last "runs out" the page
 * says before the stop is within one task interval + 5 s of the real stop,
 * for two billing set-ups. Writes the errors to
 * .test-output/prediction.json (the benchmark prints them).
 */
import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { TestHub } from './servers';
import type { IHubOptions } from './servers';
import { ITEM, ITEM_TEXT, login } from './helpers';

const OUT = path.resolve(__dirname, '..', '.test-output', 'prediction.json');

const SETUPS: [string, IHubOptions][] = [
  [
    '1 credit every 2 s, task every second',
    {
      taskInterval: 1,
      billingValue: 1,
      billingInterval: 2,
      userCap: 20,
      projectCap: 1
    }
  ],
  [
    // The page may miss the first bill (it comes as the server starts):
    // four more steps before the stop, two of them enough to predict it.
    '5 credits every 20 s, task every 5 s',
    {
      taskInterval: 5,
      billingValue: 5,
      billingInterval: 20,
      userCap: 20,
      projectCap: 1
    }
  ]
];

for (const [name, options] of SETUPS) {
  test(`${name}: the last prediction is within one task interval + 5 s of the real stop`, async ({
    page
  }) => {
    const hub = new TestHub(options);
    await hub.start();
    try {
      await login(page, hub, 'pat');
      await expect(page.locator(ITEM_TEXT)).toContainText('Credits:');
      await page.locator(ITEM).click();
      const eta = page.locator('.jp-CreditsDetails-eta');
      await expect(eta).toBeVisible();
      // Follow what the page predicts until the hub stops the server.
      const seen = await page.evaluate(async () => {
        const predictions: { at: number; stopAt: number; text: string }[] = [];
        const item = document.querySelector(
          '#jp-main-statusbar .jp-CreditsStatus'
        )!;
        const deadline = Date.now() + 240000;
        while (Date.now() < deadline) {
          if ((item as HTMLElement).dataset.state === 'stopped') {
            return { predictions, stoppedAt: Date.now() };
          }
          const eta = document.querySelector<HTMLElement>(
            '.jp-CreditsDetails-eta'
          );
          const stopAt = Number(eta?.dataset.stopAt);
          if (eta && Number.isFinite(stopAt) && stopAt > 0) {
            predictions.push({
              at: Date.now(),
              stopAt,
              text: eta.textContent ?? ''
            });
          }
          await new Promise(resolve => setTimeout(resolve, 200));
        }
        return { predictions, stoppedAt: null };
      });
      expect(seen.stoppedAt).not.toBeNull();
      expect(seen.predictions.length).toBeGreaterThan(0);
      const last = seen.predictions[seen.predictions.length - 1];
      const errorMs = last.stopAt - seen.stoppedAt!;
      const first = seen.predictions[0];
      const results = fs.existsSync(OUT)
        ? JSON.parse(fs.readFileSync(OUT, 'utf-8'))
        : {};
      results[name] = {
        errorS: errorMs / 1000,
        firstKnownBeforeStopS: (seen.stoppedAt! - first.at) / 1000,
        firstErrorS: (first.stopAt - seen.stoppedAt!) / 1000,
        lastText: last.text
      };
      fs.mkdirSync(path.dirname(OUT), { recursive: true });
      fs.writeFileSync(OUT, JSON.stringify(results, null, 2));
      expect(Math.abs(errorMs)).toBeLessThanOrEqual(
        options.taskInterval! * 1000 + 5000
      );
      expect(last.text).toMatch(
        /^(about .* \(at .*\)|less than a minute \(at .*\)|.* to .* \(.* to .*\))$/
      );
      // The notice says the credits could not pay the next bill.
      await expect(
        page.locator('.jp-Notification-Toast-error', {
          hasText: 'its credits could not pay the next bill'
        })
      ).toBeVisible();
    } finally {
      await hub.dispose();
    }
  });
}
