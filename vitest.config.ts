import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { launchOptions } from './test/chromium.js';

// The file name picks the environment: `*.test.ts` runs in Node, `*.browser.test.ts` in real Chromium.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'worker/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'demo/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**', 'test/consumers/**'],
          environment: 'node',
          // the Node-only backends, registered as the package's Node entry does
          setupFiles: ['test/node-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'node (hitchhiker-tree)',
          include: ['src/{db,tx,pull,query,conn}/**/*.test.ts', 'test/conformance-*.test.ts'],
          exclude: [
            '**/*.browser.test.ts',
            '**/node_modules/**',
            'src/conn/file-persistence.test.ts',
            'src/conn/*-races.test.ts',
            'src/conn/index-choice.test.ts',
          ],
          setupFiles: ['test/node-setup.ts', 'test/setup-hitchhiker.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // the same scenarios over databases created with attributeRefs: true (test/conformance-helpers.ts)
          name: 'node (attribute refs)',
          include: [
            'test/conformance-read.test.ts',
            'test/conformance-tx.test.ts',
            'test/conformance-upsert.test.ts',
            'test/conformance-values.test.ts',
            'test/parity-*.test.ts',
            'test/proto-and-map.test.ts',
            'test/reopen-values.test.ts',
          ],
          exclude: ['test/parity-config.test.ts', 'test/parity-migrate.test.ts'], // config honesty and a fixture with ids 1..n: test/attribute-refs.test.ts
          env: { CAIRNDB_TEST_ATTRIBUTE_REFS: '1' },
          setupFiles: ['test/node-setup.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts', 'worker/**/*.browser.test.ts', 'test/**/*.browser.test.ts'],
          exclude: ['**/node_modules/**', 'test/consumers/**'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions }),
            instances: [{ browser: 'chromium' }],
            api: { host: '127.0.0.1' },
          },
        },
      },
    ],
  },
});
