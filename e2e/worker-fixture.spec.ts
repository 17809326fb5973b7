// The published package works in a consumer app: build the library (vite.lib.config.ts and the
// declarations), then build test/fixture-app — which imports `cairndb/client` by name — with a
// plain Vite app build, serve the result on 127.0.0.1 and run it in Chromium. Its worker must
// have been bundled by the app's build (the client's default worker and the documented
// `new URL('cairndb/worker', import.meta.url)` form).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { build, preview, type InlineConfig, type PreviewServer } from 'vite';

const repo = resolve(import.meta.dirname, '..');
// The app is copied out of the repo and built there, with node_modules/cairndb linked to the
// repo as an install would place it (a link inside the repo would make test runners see every
// file twice).
let fixture = '';
let server: PreviewServer | undefined;

/** A plain Vite app build, as an app using cairndb would have. */
const appConfig = (root: string): InlineConfig => ({
  configFile: false,
  root,
  base: './',
  logLevel: 'warn',
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  preview: { host: '127.0.0.1', port: 5175, strictPort: true },
});

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  // 1. the library: three ESM entries + declarations in dist/
  await build({ configFile: join(repo, 'vite.lib.config.ts'), logLevel: 'warn' });
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json')], { cwd: repo, stdio: 'pipe' });
  } catch (e) {
    const out = e as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`declaration build failed:\n${out.stdout?.toString() ?? ''}${out.stderr?.toString() ?? ''}`);
  }
  // 2. the app resolves `cairndb` as an installed package would: node_modules/cairndb
  fixture = mkdtempSync(join(tmpdir(), 'cairndb-fixture-'));
  cpSync(join(repo, 'test/fixture-app'), fixture, { recursive: true, filter: (src) => !/node_modules|dist/.test(src.slice(repo.length)) });
  mkdirSync(join(fixture, 'node_modules'), { recursive: true });
  symlinkSync(repo, join(fixture, 'node_modules/cairndb'), 'dir');
  await build(appConfig(fixture));
  server = await preview(appConfig(fixture));
});

test.afterAll(async () => {
  await server?.close();
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

test('npm run build emits the three entries of API.md with type declarations', () => {
  for (const entry of ['index', 'worker', 'client']) {
    expect(existsSync(join(repo, `dist/${entry}.js`)), `dist/${entry}.js`).toBe(true);
    expect(existsSync(join(repo, `dist/${entry}.d.ts`)), `dist/${entry}.d.ts`).toBe(true);
  }
  expect(existsSync(join(repo, 'dist/types/worker/client.d.ts'))).toBe(true);
  expect(existsSync(join(repo, 'dist/types/src/index.d.ts'))).toBe(true);
  // dependencies stay external; the client points at its sibling worker entry
  const client = readFileSync(join(repo, 'dist/client.js'), 'utf8');
  expect(client).toMatch(/from ["']comlink["']/);
  expect(client).toContain('new Worker(new URL("./worker.js", import.meta.url)');
});

test('the app build bundled the worker as its own chunk', () => {
  const assets = readdirSync(join(fixture, 'dist/assets'));
  const workers = assets.filter((f) => /^worker-.*\.js$/.test(f));
  expect(workers.length).toBeGreaterThan(0);
  const code = readFileSync(join(fixture, 'dist/assets', workers[0]!), 'utf8');
  // no bare imports left for the browser to fail on
  expect(code).not.toMatch(/from ["'](comlink|idb|msgpackr)["']/);
});

for (const variant of ['default', 'explicit'] as const) {
  test(`the built app runs the engine in its worker (${variant} worker)`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const url = server!.resolvedUrls!.local[0]!;
    expect(url).toContain('127.0.0.1');
    await page.goto(`${url}${variant === 'explicit' ? '?explicit' : ''}`);
    await expect(page.locator('#out')).toHaveText(JSON.stringify({ worker: variant, texts: ['hello from the worker'] }));
    expect(errors).toEqual([]);
  });
}
