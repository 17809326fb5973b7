// The package a stranger installs: build the library, `npm pack` it, and build three consumer
// projects from the tarball in temporary directories (test/consumers/):
// - a Node ESM project compiled under moduleResolution nodenext (and node16), then run;
// - the same sources as a TypeScript project under moduleResolution bundler, then run;
// - a Vite app built with Vite's default config: `cairndb/client` with the default worker, the
//   explicit `cairndb/default-worker`, and a custom worker registering a backend via `serve()`,
//   each run in Chromium.
// And package.json "sideEffects": it names exactly the built files that have side effects (each
// file bundled alone, judged by its code), an app importing only side-effect-free entries bundles
// to nothing of them, and Node programs bundled by Vite keep the Node backends' registration.
// Every compile uses `skipLibCheck: false`, so the published declarations are checked too.
// The tarball is unpacked as node_modules/cairndb, as `npm install` places it, and only the
// runtime dependencies it declares are linked from this repository's node_modules (no
// registry access): an undeclared dependency fails to resolve.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { build, createLogger, preview, type InlineConfig, type PreviewServer } from 'vite';

const repo = resolve(import.meta.dirname, '..');
const TSC = join(repo, 'node_modules/typescript/bin/tsc');
let work = '';
let tarball = '';
let packed: { path: string; size: number }[] = [];
let server: PreviewServer | undefined;
const viteWarnings: string[] = [];

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A project directory with the tarball installed, its declared dependencies and `peers` linked. */
function project(name: string, from: string, peers: string[] = []): string {
  const dir = join(work, name);
  cpSync(join(repo, 'test/consumers', from), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), json({ name: `consumer-${name}`, private: true, type: 'module' }));
  const pkg = join(dir, 'node_modules/cairndb');
  mkdirSync(pkg, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], dir);
  const { dependencies = {} } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of [...Object.keys(dependencies), ...peers, '@types/node']) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repo, 'node_modules', dep), link, 'dir');
  }
  return dir;
}

const compilerOptions = { target: 'ES2022', strict: true, skipLibCheck: false, types: ['node'], lib: ['ES2023'] };

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  // 1. the library (four entries, declarations), then the tarball
  await build({ configFile: join(repo, 'vite.lib.config.ts'), logLevel: 'warn' });
  run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], repo);
  work = mkdtempSync(join(tmpdir(), 'cairndb-package-'));
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repo)) as {
    filename: string;
    files: { path: string; size: number }[];
  }[];
  tarball = join(work, info!.filename);
  packed = info!.files;

  // 2. Node ESM + TypeScript projects (one folder, three tsconfigs)
  const node = project('node', 'node', ['ws']); // the optional peer cairndb/server needs
  writeFileSync(
    join(node, 'tsconfig.json'),
    json({ compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, files: ['main.ts', 'server.ts'] }),
  );
  writeFileSync(
    join(node, 'tsconfig.node16.json'),
    json({ compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16', noEmit: true }, files: ['main.ts', 'server.ts'] }),
  );
  writeFileSync(
    join(node, 'tsconfig.bundler.json'),
    json({
      compilerOptions: { ...compilerOptions, lib: ['ES2023', 'DOM', 'DOM.Iterable'], module: 'esnext', moduleResolution: 'bundler', outDir: 'out-bundler' },
      files: ['main.ts', 'types.ts'],
    }),
  );

  // 3. the Vite app: Vite's default config (only the logger is ours, to collect warnings)
  const app = project('vite-app', 'vite-app');
  writeFileSync(
    join(app, 'tsconfig.json'),
    json({
      compilerOptions: {
        ...compilerOptions,
        types: [],
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        module: 'esnext',
        moduleResolution: 'bundler',
        allowImportingTsExtensions: true,
        noEmit: true,
      },
      files: ['main.ts', 'my-worker.ts'],
    }),
  );
  const logger = createLogger('warn');
  const warn = logger.warn.bind(logger);
  // Rolldown's [PLUGIN_TIMINGS] notes report how long plugins took, which depends on the
  // machine's load, not on the package: every other warning counts.
  logger.warn = (msg, opts) => void (msg.includes('[PLUGIN_TIMINGS]') || viteWarnings.push(msg), warn(msg, opts));
  logger.warnOnce = logger.warn;
  await build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger });
  server = await preview({ root: app, configFile: false, logLevel: 'warn', preview: { host: '127.0.0.1', port: 5176, strictPort: true } });
});

test.afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball ships the entries, the docs and a LICENSE, without test helpers', () => {
  const paths = packed.map((f) => f.path);
  for (const file of ['LICENSE', 'README.md', 'docs/api.md', 'docs/architecture.md', 'worker/README.md', 'package.json']) expect(paths, file).toContain(file);
  for (const entry of ['index', 'worker', 'default-worker', 'client']) {
    expect(paths).toContain(`dist/${entry}.js`);
    expect(paths).toContain(`dist/${entry}.d.ts`);
  }
  // test-storage and contract-data ship as part of the public test kit (cairndb/testing), not otherwise
  expect(paths.filter((p) => /fixture-db|codec-cases|test-util|\.test\.|test-double/.test(p))).toEqual([]);
  const pkg = JSON.parse(readFileSync(join(work, 'node/node_modules/cairndb/package.json'), 'utf8')) as Record<string, unknown>;
  expect(pkg.license).toBe('EPL-1.0');
  expect(pkg.keywords).toContain('datalog');
  // no public repository exists yet: no invented repository, homepage or issue tracker URL
  for (const field of ['repository', 'homepage', 'bugs']) expect(pkg[field], field).toBeUndefined();
  expect(readFileSync(join(work, 'node/node_modules/cairndb/LICENSE'), 'utf8')).toMatch(/^Eclipse Public License - v 1\.0/);
  // minified, with external source maps
  const js = packed.filter((p) => p.path.endsWith('.js')).map((p) => p.path);
  for (const file of js) {
    const code = readFileSync(join(work, 'node/node_modules/cairndb', file), 'utf8');
    expect(code, file).not.toContain('sourceMappingURL=data:');
    // minified: a few lines, or long ones (template literals such as SQL keep their line breaks)
    const lines = code.split('\n').length;
    expect(lines < 5 || code.length / lines > 300, `${file} is minified`).toBe(true);
  }
  expect(js.filter((f) => f.startsWith('dist/chunks/')).every((f) => paths.includes(`${f}.map`))).toBe(true);
});

test('a Node ESM project compiles under nodenext and node16 against the package, and runs', () => {
  const dir = join(work, 'node');
  run(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
  run(process.execPath, [TSC, '-p', 'tsconfig.node16.json'], dir);
  const out = JSON.parse(run(process.execPath, ['out/main.js'], dir));
  expect(out).toEqual({ texts: ['hello from node'], datoms: 2, code: 'schema/unknown-attribute', fileTexts: [':greeting/text'] });
  // `cairndb/server` alone registers the Node backends: a missing file store is db/missing
  expect(JSON.parse(run(process.execPath, ['out/server.js'], dir))).toEqual({ code: 'db/missing' });
});

test('a TypeScript project compiles under moduleResolution bundler, every entry typed, and runs', () => {
  const dir = join(work, 'node');
  run(process.execPath, [TSC, '-p', 'tsconfig.bundler.json'], dir);
  const out = JSON.parse(run(process.execPath, ['out-bundler/main.js'], dir));
  expect(out.texts).toEqual(['hello from node']);
});

test('the Vite app type-checks and builds with no warning, each worker bundled by the app', () => {
  const app = join(work, 'vite-app');
  run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
  expect(viteWarnings).toEqual([]);
  const workers = readdirSync(join(app, 'dist/assets')).filter((f) => /worker.*\.js$/.test(f));
  expect(workers.length).toBeGreaterThanOrEqual(2); // the default worker and my-worker
  for (const file of workers) {
    const code = readFileSync(join(app, 'dist/assets', file), 'utf8');
    expect(code, file).not.toMatch(/from\s*["'`](comlink|idb|msgpackr|re2js|node:[a-z/]+)["'`]/); // nothing left for the browser to fail on
  }
});

/** Bundle `input` with Vite in memory, unminified: the code of every chunk it writes. */
async function bundle(root: string, input: string | Record<string, string>, config: InlineConfig = {}): Promise<string> {
  const result = await build({
    root,
    configFile: false,
    logLevel: 'warn',
    ...config,
    build: { write: false, minify: false, ...config.build, rollupOptions: { input, ...config.build?.rollupOptions } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; code?: string }[] }[];
  return outputs.flatMap((o) => o.output.filter((c) => c.type === 'chunk').map((c) => c.code ?? '')).join('\n');
}

/** The package's own modules a bundle kept, by the region comments naming them. */
const packageModules = (code: string): string[] =>
  [...code.matchAll(/^\/\/[#\w ]*?(\S*cairndb\/dist\/\S+\.js)$/gm)].map((m) => m[1]!.replace(/.*cairndb\//, ''));

test('package.json "sideEffects" names exactly the built files that have side effects', async () => {
  const pkgDir = join(work, 'node/node_modules/cairndb');
  // A copy of dist/ with no package.json above it: each file is judged by its code alone.
  const probe = join(work, 'probe');
  cpSync(join(pkgDir, 'dist'), join(probe, 'dist'), { recursive: true, filter: (src) => !src.includes(`${join(pkgDir, 'dist')}/types`) });
  const files = [
    ...readdirSync(join(probe, 'dist')).filter((f) => f.endsWith('.js')),
    ...readdirSync(join(probe, 'dist/chunks'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => `chunks/${f}`),
  ];
  // Other packages (comlink, idb, pg, …) count as pure: only the package's own code is judged.
  const bare = (id: string): boolean => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');
  const effectful: string[] = [];
  for (const file of files) {
    const entry = join(probe, `entry-${file.replace('/', '-')}`);
    writeFileSync(entry, `import ${JSON.stringify(join(probe, 'dist', file))};\n`);
    const code = await bundle(probe, entry, {
      logLevel: 'error', // Vite's notes on the externals (global names of the worker build) are not findings
      worker: { rollupOptions: { external: bare } },
      build: { rollupOptions: { external: bare, treeshake: { moduleSideEffects: 'no-external' } } },
    });
    // what is left beyond bare imports of other packages is this file's side effect
    if (code.replace(/^import\s*["'][^"']+["'];?$/gm, '').trim() !== '') effectful.push(file);
  }
  const { sideEffects } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { sideEffects: string[] };
  const patterns = sideEffects.map((p) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`));
  const listed = files.filter((f) => patterns.some((re) => re.test(`./dist/${f}`)));
  expect(listed.sort()).toEqual(effectful.sort());
  // the files whose side effect is their purpose are among them
  for (const file of ['default-worker.js', 'node.js', 'server.js']) expect(effectful).toContain(file);
});

test('an app importing only side-effect-free entries bundles nothing of them; a named import keeps only its module', async () => {
  const app = join(work, 'vite-app');
  const nothing = await bundle(app, join(app, 'pure.ts'));
  expect(packageModules(nothing)).toEqual([]);
  expect(nothing.replace(/^\/\/.*$/gm, '').trim()).toBe('');
  const one = await bundle(app, join(app, 'named.ts'));
  const kept = packageModules(one);
  expect(kept.length).toBeGreaterThan(0);
  expect(kept.filter((m) => !/^dist\/(index\.js|chunks\/errors-[\w-]+\.js)$/.test(m))).toEqual([]);
  expect(one).not.toContain('clojure.string'); // the query built-ins stayed out
});

test('Node programs bundled by Vite keep the Node backends registered by cairndb and cairndb/server', async () => {
  const dir = join(work, 'node');
  // cairndb is bundled (its "sideEffects" decide what stays); the drivers stay external
  await bundle(
    dir,
    { main: join(dir, 'main.ts'), server: join(dir, 'server.ts') },
    { ssr: { noExternal: ['cairndb'] }, build: { ssr: true, write: true, outDir: 'out-bundled', rollupOptions: { external: ['lmdb', 'pg', 'ws'] } } },
  );
  expect(readFileSync(join(dir, 'out-bundled/main.js'), 'utf8')).not.toMatch(/from\s*["']cairndb/);
  const out = JSON.parse(run(process.execPath, ['out-bundled/main.js'], dir));
  expect(out).toEqual({ texts: ['hello from node'], datoms: 2, code: 'schema/unknown-attribute', fileTexts: [':greeting/text'] });
  expect(JSON.parse(run(process.execPath, ['out-bundled/server.js'], dir))).toEqual({ code: 'db/missing' });
});

for (const variant of ['default', 'explicit', 'custom'] as const) {
  test(`the built app runs the engine in its worker (${variant} worker)`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const url = server!.resolvedUrls!.local[0]!;
    expect(url).toContain('127.0.0.1');
    await page.goto(`${url}?worker=${variant}`);
    const backend = variant === 'custom' ? 'map' : 'memory';
    await expect(page.locator('#out')).toHaveText(JSON.stringify({ worker: variant, backend, texts: ['hello from the worker'] }));
    expect(errors).toEqual([]);
  });
}
