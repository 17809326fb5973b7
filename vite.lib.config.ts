// Library build (`cairndb` on npm): four ESM entries in dist/ — index.js (the engine),
// worker.js (the side-effect-free API for worker scripts: `serve()`), default-worker.js (the
// standard worker script), client.js (the main-thread client) — with shared code in
// dist/chunks/. Minified, with external source maps (*.js.map beside each file). Runtime
// dependencies (package.json "dependencies") stay external so the app's bundler dedupes them.
// Type declarations come from `tsc -p tsconfig.build.json` (dist/types/) plus the entry stubs
// this config writes (dist/index.d.ts, worker.d.ts, default-worker.d.ts, client.d.ts).
//
// The client's default worker (worker/default-worker.ts) must reach the app's bundler as the
// literal `new Worker(new URL('./default-worker.js', import.meta.url), { type: 'module' })`,
// pointing at the sibling entry, so that Vite/webpack in the app bundle the worker with its
// imports. Vite's own worker plugin would instead compile a private copy of the worker into
// this library; `keepDefaultWorker` hides the expression from it and restores it in the output.
import { readFileSync, rmSync } from 'node:fs';
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

// Node-only modules: built as their own entries and reached from the engine only through the
// package's own conditional export (`cairndb/node-file`: the module in Node, a stub that fails
// with store/unavailable elsewhere), so an app's browser bundle never sees `node:` imports.
const NODE_ONLY: Readonly<Record<string, { entry: string; stub: string }>> = {
  [here('./src/store/file.ts')]: { entry: 'node-file', stub: 'node-file.browser' },
};

const NODE_ONLY_NAMES = new Set(Object.keys(NODE_ONLY).map((p) => p.replace(/^.*\//, '').replace(/\.ts$/, '')));

function nodeOnlyThroughExports(): Plugin {
  return {
    name: 'cairndb:node-only-through-exports',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || !source.startsWith('.') || !NODE_ONLY_NAMES.has(source.replace(/^.*\//, '').replace(/\.[jt]s$/, ''))) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const nodeOnly = resolved && NODE_ONLY[resolved.id];
      return nodeOnly ? { id: `cairndb/${nodeOnly.entry}`, external: true } : null;
    },
  };
}

function entryDeclarations(): Plugin {
  const entries = { index: 'src/index', worker: 'worker/entry', 'default-worker': 'worker/worker', client: 'worker/client' } as const;
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
  return {
    name: 'cairndb:clean-lib-outputs',
    buildStart() {
      for (const entry of ['index', 'worker', 'default-worker', 'client', 'node-file', 'node-file.browser']) {
        for (const ext of ['.js', '.js.map', '.d.ts']) rmSync(here(`./dist/${entry}${ext}`), { force: true });
      }
      for (const dir of ['chunks', 'types']) rmSync(here(`./dist/${dir}`), { recursive: true, force: true });
    },
  };
}

const dependencies = Object.keys((JSON.parse(readFileSync(here('./package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
const isExternal = (id: string): boolean => id.startsWith('node:') || dependencies.some((d) => id === d || id.startsWith(`${d}/`));

export default defineConfig({
  publicDir: false,
  plugins: [cleanLibOutputs(), keepDefaultWorker(), nodeOnlyThroughExports(), entryDeclarations()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: false, // dist/ also holds the demo build and the declarations (dist/types/)
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: {
        index: here('./src/index.ts'),
        worker: here('./worker/entry.ts'),
        'default-worker': here('./worker/worker.ts'),
        client: here('./worker/client.ts'),
        'node-file': here('./src/store/file.ts'),
        'node-file.browser': here('./src/store/file.browser-stub.ts'),
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
