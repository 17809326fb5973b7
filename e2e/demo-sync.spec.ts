// The demo in its synced mode (`npm run demo:sync`), in real Chromium: two browser contexts
// (two devices, each with its own IndexedDB replica) on one local sync server process. A task
// made while the server is down is toggled and edited right away, before the server has seen
// it — writes the demo names by identity (task/uuid, project and person names), since a synced
// device refuses entity ids it made itself until the server confirms them (docs/sync.md).
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { startServer, type ServerProcess } from '../src/server/test-server.js';

let vite: ViteDevServer | undefined;
let sync: ServerProcess | undefined;
let baseUrl = '';

test.beforeAll(async () => {
  sync = await startServer({ cors: ['*'] });
  // What `npm run demo:sync` sets, given to this Vite server alone (not through process.env,
  // which other demo specs in this worker would inherit).
  vite = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    define: { 'import.meta.env.VITE_CAIRN_SYNC_URL': JSON.stringify(sync.url), 'import.meta.env.VITE_CAIRN_SYNC_TOKEN': JSON.stringify('test-token') },
  });
  await vite.listen();
  baseUrl = vite.resolvedUrls!.local[0]!;
});

test.afterAll(async () => {
  await vite?.close();
  await sync?.stop();
});

const tasks = (page: Page) => page.getByRole('list', { name: 'Tasks' }).getByRole('listitem');
const task = (page: Page, title: string) => tasks(page).filter({ hasText: title });

async function device(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(baseUrl);
  await expect(page.getByText('Ready', { exact: true })).toBeVisible({ timeout: 60_000 });
  return page;
}

async function addTask(page: Page, title: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add a task' });
  await form.getByLabel('New task').fill(title);
  await form.getByRole('button', { name: 'Add task' }).click();
  await expect(task(page, title)).toBeVisible();
}

test('two devices: a task made offline is toggled and edited at once, and both devices converge', async ({ browser }) => {
  const a = await device(browser);
  const b = await device(browser);
  // The server's database starts empty: the demo adds its schema; a project comes first.
  await a.getByLabel('New project').fill('Launch');
  await a.getByRole('button', { name: 'Add project' }).click();
  await expect(b.getByRole('navigation', { name: 'Projects and tags' }).getByRole('button', { name: /Launch/ })).toBeVisible({ timeout: 60_000 });
  await addTask(a, 'Online task');
  await expect(task(b, 'Online task')).toBeVisible({ timeout: 60_000 });

  await sync!.stop(); // both devices offline
  await addTask(a, 'Offline task');
  await task(a, 'Offline task').getByRole('checkbox').check(); // before the server ever saw the task
  await expect(task(a, 'Offline task')).toHaveClass(/done/);
  await a.getByRole('button', { name: 'Edit “Offline task”' }).click();
  const edit = a.getByRole('form', { name: 'Edit “Offline task”' });
  await edit.getByLabel('Title').fill('Offline task, renamed');
  await edit.getByLabel('Tags').fill('later');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(task(a, 'Offline task, renamed')).toContainText('#later');
  await task(a, 'Online task').getByRole('checkbox').check();
  await expect(task(a, 'Online task')).toHaveClass(/done/);
  await addTask(b, 'From b, offline');
  await expect(a.getByRole('alert')).toHaveCount(0); // no write refused
  await expect(b.getByRole('alert')).toHaveCount(0);

  sync = await startServer({ cors: ['*'], path: sync!.path, port: sync!.port });
  for (const page of [a, b]) {
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(task(page, 'Offline task, renamed')).toHaveClass(/done/, { timeout: 60_000 });
    await expect(task(page, 'Offline task, renamed')).toContainText('#later');
    await expect(task(page, 'Online task')).toHaveClass(/done/, { timeout: 60_000 });
    await expect(task(page, 'From b, offline')).toBeVisible({ timeout: 60_000 });
    await expect(tasks(page)).toHaveCount(3);
  }
});
