// Playwright end-to-end tests (e2e/*.spec.ts) in real headless Chromium (test/chromium.ts).
// Pages are served on 127.0.0.1 only:
// - the worker/client test pages (e2e/pages/) by a Vite dev server with e2e/vite.e2e.config.ts
//   on port 5174 (project 'worker', specs e2e/worker*.spec.ts);
// - the demo by the root Vite config on port 5173 (project 'demo', specs e2e/demo*.spec.ts),
//   started only when demo specs exist.
// Two workers at most: the machine has two cores. `npm test` (scripts/test.mjs) reads the JSON
// report through PLAYWRIGHT_JSON_OUTPUT_NAME.
import { existsSync, readdirSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { launchOptions } from './test/chromium.js';

const E2E_PORT = 5174;
const DEMO_PORT = 5173;
const hasDemoSpecs = existsSync('e2e') && readdirSync('e2e').some((f) => /^demo.*\.spec\.ts$/.test(f));

const chromium = { ...devices['Desktop Chrome'], launchOptions, headless: true };

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  forbidOnly: true,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? '.test-results/playwright.json' }]],
  outputDir: 'test-results',
  use: { trace: 'off', screenshot: 'off', video: 'off' },
  projects: [
    {
      name: 'worker',
      testMatch: /worker.*\.spec\.ts$/,
      use: { ...chromium, baseURL: `http://127.0.0.1:${E2E_PORT}` },
    },
    ...(hasDemoSpecs ? [{ name: 'demo', testMatch: /demo.*\.spec\.ts$/, use: { ...chromium, baseURL: `http://127.0.0.1:${DEMO_PORT}` } }] : []),
  ],
  webServer: [
    {
      command: `node node_modules/vite/bin/vite.js --config e2e/vite.e2e.config.ts --host 127.0.0.1 --port ${E2E_PORT} --strictPort`,
      url: `http://127.0.0.1:${E2E_PORT}/e2e/pages/client.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    ...(hasDemoSpecs
      ? [
          {
            command: `node node_modules/vite/bin/vite.js --host 127.0.0.1 --port ${DEMO_PORT} --strictPort`,
            url: `http://127.0.0.1:${DEMO_PORT}/`,
            reuseExistingServer: !process.env.CI,
            timeout: 120_000,
            stdout: 'ignore' as const,
            stderr: 'pipe' as const,
          },
        ]
      : []),
  ],
});
