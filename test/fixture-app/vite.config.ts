// Build config of the consumer fixture app: a plain Vite app build, as an app using cairndb
// would have. `cairndb` resolves through node_modules/cairndb (a link to the repo, made by the
// test) and its package.json `exports`, i.e. to the built dist/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  preview: { host: '127.0.0.1', port: 5175, strictPort: true },
});
