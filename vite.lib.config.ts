// Library build (`cairndb` on npm): three ESM entries in dist/ — index.js (the engine),
// worker.js (the worker script), client.js (the main-thread client) — with shared code in
// dist/chunks/. Runtime dependencies stay external so the app's bundler dedupes them.
// Type declarations come from `tsc -p tsconfig.build.json` (dist/types/) plus the three
// entry stubs this config writes (dist/index.d.ts, worker.d.ts, client.d.ts).
//
// The client's default worker (worker/default-worker.ts) must reach the app's bundler as the
// literal `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`, pointing
// at the sibling entry, so that Vite/webpack in the app bundle the worker with its imports.
// Vite's own worker plugin would instead compile a private copy of the worker into this
// library; `keepDefaultWorker` hides the expression from it and restores it in the output.
import { rmSync } from 'node:fs';
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
      return { code: code.replaceAll(PLACEHOLDER, JSON.stringify('./worker.js')), map: null };
    },
  };
}

function entryDeclarations(): Plugin {
  const entries = { index: 'src/index', worker: 'worker/worker', client: 'worker/client', server: 'src/server/index' } as const;
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
      for (const entry of ['index', 'worker', 'client', 'server']) {
        for (const ext of ['.js', '.js.map', '.d.ts']) rmSync(here(`./dist/${entry}${ext}`), { force: true });
      }
      for (const dir of ['chunks', 'types']) rmSync(here(`./dist/${dir}`), { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  publicDir: false,
  plugins: [cleanLibOutputs(), keepDefaultWorker(), entryDeclarations()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: false, // dist/ also holds the demo build and the declarations (dist/types/)
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      entry: {
        index: here('./src/index.ts'),
        worker: here('./worker/worker.ts'),
        client: here('./worker/client.ts'),
        server: here('./src/server/index.ts'), // Node only: cairndb/server (docs/sync.md)
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: (id) => /^(idb|comlink|msgpackr|ws)(\/|$)/.test(id) || id.startsWith('node:'),
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
      },
    },
  },
});
