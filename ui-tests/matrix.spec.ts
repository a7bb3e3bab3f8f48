/**
 * The hubs people run: each pair of JupyterHub and credit service in
 * ui-tests/matrix.json, from its own environment (.venv-matrix/, made by
 * the setup script), with the newest single-user server. For each
 * supported pair, the path a user lives through, in Chromium: log in, the
 * status bar shows the hub's balance, a change follows, the credits run
 * out, the stopped notice, and no reconnect loop after it. For a pair the
 * credit service does not run on, the hub's own error proves it.
 */
import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, TestHub } from './servers';
import { ITEM, ITEM_TEXT, login } from './helpers';

interface IPair {
  jupyterhub: string;
  credits: string;
  why?: string;
}

const MATRIX = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'matrix.json'), 'utf-8')
) as { supported: IPair[]; unsupported: IPair[] };

const venv = (pair: IPair) =>
  path.join('.venv-matrix', `jh${pair.jupyterhub}-cs${pair.credits}`);

// The matrix environments come only when asked for (scripts/test.sh does).
test.beforeEach(() => {
  const missing = [...MATRIX.supported, ...MATRIX.unsupported].filter(
    pair => !fs.existsSync(path.join(REPO, venv(pair), '.installed'))
  );
  if (missing.length > 0) {
    throw new Error(
      `no ${venv(missing[0])}: run \`bash scripts/setup.sh --matrix\` first`
    );
  }
});

for (const pair of MATRIX.supported) {
  test(`JupyterHub ${pair.jupyterhub} + credit service ${pair.credits}: balance, a change, the stop, no loop`, async ({
    page
  }) => {
    // 1 credit every 2 s; 6 + 2 credits: the stop comes in about 16 s.
    const hub = new TestHub({
      venv: venv(pair),
      taskInterval: 1,
      billingValue: 1,
      billingInterval: 2,
      userCap: 6,
      projectCap: 2
    });
    await hub.start();
    try {
      const requests: number[] = [];
      page.on('request', request => {
        // The page's requests for credits (its server part's routes).
        if (/\/hub-credits\/|\/api\/credits/.test(request.url())) {
          requests.push(Date.now());
        }
      });
      await login(page, hub, 'mia');
      const item = page.locator(ITEM_TEXT);
      await expect(item).toHaveText(
        /^Credits: \d \/ 6( · community1: \d \/ 2)?$/,
        { timeout: 30000 }
      );
      const first = await item.textContent();
      // The hub bills: the item follows.
      await expect(item).not.toHaveText(first!, { timeout: 15000 });
      await expect(item).toHaveText('Credits: server stopped', {
        timeout: 60000
      });
      // The stopped notice: where the page learns of the stop only once its
      // server is gone (credit service 0.3 is polled), JupyterLab can no
      // longer load its toasts nor its notification centre; the bell
      // counts the notice, and the details (loaded while the server ran)
      // say what happened.
      await expect(
        page.locator('.jp-Notification-Status').getByRole('button')
      ).toHaveText(/^[1-9]/);
      await page.locator(ITEM).dispatchEvent('click');
      await expect(page.locator('.jp-CreditsDetails-status')).toContainText(
        'The hub stopped this server'
      );
      // No reconnect loop: at most the few stop checks, then silence.
      const after = requests.length;
      await page.waitForTimeout(5000);
      expect(requests.length - after).toBeLessThanOrEqual(3);
    } finally {
      await hub.dispose();
    }
  });
}

for (const pair of MATRIX.unsupported) {
  test(`JupyterHub ${pair.jupyterhub} + credit service ${pair.credits}: installs, but the credit service fails there (${pair.why})`, async () => {
    const hub = new TestHub({ venv: venv(pair), taskInterval: 1 });
    await hub.start();
    try {
      await expect
        .poll(() => fs.readFileSync(hub.logFile, 'utf-8'), { timeout: 30000 })
        .toContain(pair.why!);
    } finally {
      await hub.dispose();
    }
    expect(fs.existsSync(path.join(REPO, venv(pair), '.installed'))).toBe(true);
  });
}
