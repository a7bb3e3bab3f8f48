import { defineConfig } from '@playwright/test';
import * as path from 'path';

const output = path.resolve(__dirname, '..', '.test-output');

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // The README's pictures are taken by scripts/pictures.sh, not the tests.
  testIgnore: process.env.PICTURES ? [] : ['pictures.spec.ts'],
  timeout: 180000,
  expect: { timeout: 20000 },
  workers: 2,
  retries: 0,
  outputDir: path.join(output, 'playwright-artifacts'),
  reporter: [
    ['list'],
    ['json', { outputFile: path.join(output, 'playwright.json') }]
  ],
  use: {
    // Debian's Chromium; Playwright never downloads a browser here.
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    },
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    screenshot: 'only-on-failure'
  }
});
