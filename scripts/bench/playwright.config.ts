import { defineConfig } from '@playwright/test';
import base from '../../ui-tests/playwright.config';

// The browser half of the benchmark: figures, not pass/fail tests.
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '*.bench.ts',
  timeout: 600000,
  reporter: [['list']]
});
