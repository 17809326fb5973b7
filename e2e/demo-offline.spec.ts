// The demo as a PWA: build it for static hosting, serve the build with `vite preview`, and check
// that once the service worker is active the app reloads with the network off, data included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';

let server: PreviewServer | undefined;
let baseUrl = '';
let outDir: string | undefined;

test.beforeAll(async () => {
  test.setTimeout(240_000); // a production build on a small machine
  outDir = mkdtempSync(join(tmpdir(), 'cairn-demo-'));
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir }, preview: { port: 0, strictPort: false } });
  baseUrl = server.resolvedUrls!.local[0]!;
});

test.afterAll(async () => {
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('the built app reloads offline with its data', async ({ page, context }) => {
  await page.goto(baseUrl);
  await expect(page.getByText('Ready', { exact: true })).toBeVisible({ timeout: 30_000 });
  const tasks = page.getByRole('list', { name: 'Tasks' }).getByRole('listitem');
  await expect(tasks.filter({ hasText: 'Book the train' })).toBeVisible();

  const form = page.getByRole('form', { name: 'Add a task' });
  await form.getByLabel('New task').fill('Written before going offline');
  await form.getByRole('button', { name: 'Add task' }).click();
  await expect(tasks.filter({ hasText: 'Written before going offline' })).toBeVisible();

  // The service worker has precached the app and controls the page. It takes control with
  // `clients.claim()` inside its activate event, so it may still read "activating" when the
  // controller appears: wait for the state change rather than racing it.
  const state = await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
    const worker = navigator.serviceWorker.controller!;
    if (worker.state === 'activating') {
      await new Promise((resolve) => worker.addEventListener('statechange', resolve, { once: true }));
    }
    return worker.state;
  });
  expect(state).toBe('activated');
  await expect(page.getByText('Works offline')).toBeVisible();

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByText('Ready', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(tasks.filter({ hasText: 'Written before going offline' })).toBeVisible();
  await expect(tasks.filter({ hasText: 'Book the train' })).toBeVisible();
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);

  // Still a working database while offline.
  await form.getByLabel('New task').fill('Written offline');
  await form.getByRole('button', { name: 'Add task' }).click();
  await expect(tasks.filter({ hasText: 'Written offline' }).first()).toBeVisible();
  await context.setOffline(false);
});
