// Library build (`cairndb` on npm): ESM entries in dist/ — index.js (the engine; the browser
// entry), node.js (the engine plus the Node-only backends; `cairndb` under the `node` export
// condition), testing.js (the contract suites for backend and index authors), worker.js (the
// side-effect-free API for worker scripts: `serve()`), default-worker.js (the standard worker
// script), client.js (the main-thread client) — with shared code in dist/chunks/. Minified, with
// external source maps (*.js.map beside each file). Runtime dependencies (package.json
// "dependencies"), the optional drivers of the Node-only backends (pg, lmdb) and the test runner
// cairndb/testing builds on (vitest) stay external, so the app's bundler or Node resolves them.
// Type declarations come from `tsc -p tsconfig.build.json` (dist/types/) plus the entry stubs
// this config writes (dist/<entry>.d.ts).
//
// The client's default worker (worker/default-worker.ts) must reach the app's bundler as the
// literal `new Worker(new URL('./default-worker.js', import.meta.url), { type: 'module' })`,
// pointing at the sibling entry, so that Vite/webpack in the app bundle the worker with its
// imports. Vite's own worker plugin would instead compile a private copy of the worker into
// this library; `keepDefaultWorker` hides the expression from it and restores it in the output.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const PLACEHOLDER = '__CAIRNDB_DEFAULT_WORKER_URL__';

function keepDefaultWorker(): Plugin {
  return {
    name: 'cairndb:keep-default-worker',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/worker/default-worker.ts')) return null;
      const source = "new URL('./worker.ts', import.meta.url)";
      if (!code.includes(source)) this.error(`default-worker.ts no longer contains ${source}`);
      return { code: code.replace(source, `new URL(${PLACEHOLDER}, import.meta.url)`), map: null };
    },
    renderChunk(code) {
      if (!code.includes(PLACEHOLDER)) return null;
      return { code: code.replaceAll(PLACEHOLDER, JSON.stringify('./default-worker.js')), map: null };
    },
  };
}

/**
 * The sources whose side effect is their purpose: src/node.ts registers the Node-only backends
 * (cairndb/server imports it for that), worker/worker.ts serves. package.json "sideEffects"
 * names only built files, so without this the build would take these sources for pure and drop
 * the bare `import '../node.js'` from cairndb/server.
 */
function keepSideEffects(): Plugin {
  const sources = [here('./src/node.ts'), here('./worker/worker.ts')];
  return {
    name: 'cairndb:keep-side-effects',
    transform(code, id) {
      return sources.includes(id) ? { code, map: null, moduleSideEffects: true } : null;
    },
  };
}

function entryDeclarations(): Plugin {
  const entries = {
    index: 'src/index',
    node: 'src/node',
    testing: 'src/testing',
    worker: 'worker/entry',
    'default-worker': 'worker/worker',
    client: 'worker/client',
    react: 'src/react/index',
    server: 'src/server/index',
  } as const;
  return {
    name: 'cairndb:entry-declarations',
    generateBundle() {
      for (const [name, path] of Object.entries(entries)) {
        this.emitFile({ type: 'asset', fileName: `${name}.d.ts`, source: `export * from './types/${path}.js';\n` });
      }
    },
  };
}

/** Remove this build's previous outputs (hashed chunks would pile up), never dist/demo. */
function cleanLibOutputs(): Plugin {
  let outDir = here('./dist');
  return {
    name: 'cairndb:clean-lib-outputs',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir); // a test may build into a temp dir
    },
    buildStart() {
      for (const entry of ['index', 'node', 'testing', 'worker', 'default-worker', 'client', 'react', 'server']) {
        for (const ext of ['.js', '.js.map', '.d.ts']) rmSync(join(outDir, `${entry}${ext}`), { force: true });
      }
      for (const dir of ['chunks', 'types']) rmSync(join(outDir, dir), { recursive: true, force: true });
    },
  };
}

const dependencies = Object.keys((JSON.parse(readFileSync(here('./package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
const external = [...dependencies, 'pg', 'lmdb', 'ws', 'vitest', 'react'];
const isExternal = (id: string): boolean => id.startsWith('node:') || external.some((d) => id === d || id.startsWith(`${d}/`));

export default defineConfig({
  publicDir: false,
  plugins: [cleanLibOutputs(), keepDefaultWorker(), keepSideEffects(), entryDeclarations()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: false, // dist/ also holds the demo build and the declarations (dist/types/)
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: {
        index: here('./src/index.ts'),
        node: here('./src/node.ts'),
        testing: here('./src/testing.ts'),
        worker: here('./worker/entry.ts'),
        'default-worker': here('./worker/worker.ts'),
        client: here('./worker/client.ts'),
        react: here('./src/react/index.ts'),
        server: here('./src/server/index.ts'), // Node only: cairndb/server (docs/sync.md)
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: isExternal,
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        // Vite's lib mode keeps whitespace in ES output; minify it too (pure annotations survive).
        minify: true,
      },
    },
  },
});
