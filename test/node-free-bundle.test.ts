// Node-only code stays out of browser bundles. Build the library (vite.lib.config.ts) into a
// temp package, then a plain Vite app that imports both `cairndb` and `cairndb/client` (whose
// worker Vite bundles too): no bundle may contain node:fs, pg or lmdb (nor the file/postgresql
// backends), and the build may print no "externalized for browser compatibility" warning.
// Then the other half of the export conditions: in Node, `import 'cairndb'` resolves to the
// Node entry and has the file backend registered; forced to the browser condition, it has not.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { build, createLogger, optimizeDeps, resolveConfig, type InlineConfig } from 'vite';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'cairndb-bundle-'));
const pkg = join(tmp, 'pkg');
const app = join(tmp, 'app');
const warnings: string[] = [];
// Rolldown's [PLUGIN_TIMINGS] notes say how long plugins took, which depends on machine load,
// not on the bundle: they are not warnings about the app.
const recordWarning = (msg: string): void => void (msg.includes('[PLUGIN_TIMINGS]') || warnings.push(msg));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A logger that records every warning and error instead of printing it. */
function recordingLogger() {
  const logger = createLogger('warn');
  const record = recordWarning;
  return { ...logger, warn: record, warnOnce: record, error: record };
}

beforeAll(async () => {
  // The package as npm would install it: package.json, dist/, and its dependencies.
  mkdirSync(pkg, { recursive: true });
  cpSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  await build({ configFile: join(repo, 'vite.lib.config.ts'), logLevel: 'warn', build: { outDir: join(pkg, 'dist') } });

  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules', 'cairndb'), 'dir');
  writeFileSync(join(app, 'index.html'), '<!doctype html><pre id="out"></pre><script type="module" src="./main.ts"></script>\n');
  writeFileSync(
    join(app, 'main.ts'),
    [
      "import { createDatabase, connect, transact, q, db } from 'cairndb';",
      "import { openWorker } from 'cairndb/client';",
      "const config = { store: { backend: 'memory', id: 'in-page' } };",
      'await createDatabase(config);',
      'const conn = await connect(config);',
      "await transact(conn, [{ 'db/ident': 'n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }]);",
      'const worker = openWorker();',
      "document.getElementById('out')!.textContent = JSON.stringify(await q('[:find ?e :where [?e :db/ident]]', db(conn))) + String(worker !== undefined);",
      '',
    ].join('\n'),
  );
  const onwarn = (w: { message: string }) => recordWarning(w.message);
  const config: InlineConfig = {
    configFile: false,
    root: app,
    base: './',
    customLogger: recordingLogger(),
    worker: { format: 'es' },
    build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', minify: false, rollupOptions: { onwarn } },
  };
  // Vite reports some things straight to the console: record those too.
  const consoleWarn = console.warn;
  console.warn = (...args: unknown[]) => recordWarning(args.map(String).join(' '));
  try {
    await build(config);
  } finally {
    console.warn = consoleWarn;
  }
}, 600_000);

it('the app build reports no warnings at all', () => {
  expect(warnings).toEqual([]);
});

it('the dev server pre-bundles cairndb with no browser-external stand-in for a Node module', async () => {
  // In `vite` dev, a Node built-in reached from the browser becomes a stub that prints
  // "Module … has been externalized for browser compatibility" in the page's console.
  const config = await resolveConfig(
    { configFile: false, root: app, cacheDir: join(app, '.vite'), logLevel: 'silent', optimizeDeps: { include: ['cairndb', 'cairndb/client'] } },
    'serve',
  );
  await optimizeDeps(config, true);
  const deps = join(app, '.vite', 'deps');
  const files = readdirSync(deps).filter((f) => f.endsWith('.js'));
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const code = readFileSync(join(deps, f), 'utf8');
    expect(code, f).not.toMatch(/browser compatibility|__vite-browser-external|browser-external:/);
  }
}, 300_000);

it('no app chunk, page or worker, contains Node-only code', () => {
  const assets = join(app, 'dist', 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
  expect(files.some((f) => f.includes('worker'))).toBe(true); // the worker (cairndb/default-worker) was bundled too
  expect(files.some((f) => readFileSync(join(assets, f), 'utf8').includes('createDatabase'))).toBe(true);
  for (const f of files) {
    const code = readFileSync(join(assets, f), 'utf8');
    for (const banned of [
      /["']node:[a-z_/]+["']/,
      /from ["'](pg|lmdb)["']/,
      /import\(["'](pg|lmdb)["']\)/,
      /pg-protocol/,
      /createFileBackend/,
      /createPostgresBackend/,
      /["']postgresql["']/,
    ]) {
      expect(code, `${f} matches ${banned}`).not.toMatch(banned);
    }
  }
});

it("in Node, import 'cairndb' has the file backend registered (the node condition)", async () => {
  const dir = join(tmp, 'db');
  const script = [
    "import { createDatabase, connect, transact, q, db, release } from 'cairndb';",
    `const config = { store: { backend: 'file', id: process.argv[1], path: ${JSON.stringify(dir)} } };`,
    'try {',
    '  await createDatabase(config);',
    '  const conn = await connect(config);',
    "  await transact(conn, [{ 'db/ident': 'n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' }]);",
    '  await transact(conn, [{ n: 42 }]);',
    "  console.log(JSON.stringify(await q('[:find [?v ...] :where [_ :n ?v]]', db(conn))));",
    '  await release(conn);',
    '} catch (e) { console.log(e.code); }',
  ].join('\n');
  const node = await run(process.execPath, ['--input-type=module', '-e', script, 'as-node'], { cwd: app });
  expect(node.stdout.trim()).toBe('[42]');
  // The same import resolved with the browser condition gets the browser entry: no file backend.
  const browser = await run(process.execPath, ['--conditions=browser', '--input-type=module', '-e', script, 'as-browser'], { cwd: app });
  expect(browser.stdout.trim()).toBe('store/unknown-backend');
}, 120_000);
