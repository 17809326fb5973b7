// The root Vite config is the demo app's: dev server (`npm run demo` = `vite`), static build
// (`vite build`, output dist/demo) and the PWA (web manifest + Workbox service worker precaching
// every built file, so a reload with the network off still opens the app and its IndexedDB
// data). The library build has its own config (vite.lib.config.ts, on the worker side).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: 'public',
  resolve: {
    // Apps import the published name; in this repo it points at the source.
    alias: { 'cairndb/client': fileURLToPath(new URL('./worker/client.ts', import.meta.url)) },
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  // Pre-bundle up front so the first visit never triggers a mid-load dependency reload.
  optimizeDeps: { entries: ['index.html'], include: ['lit', 'comlink'] },
  build: {
    outDir: 'dist/demo',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: fileURLToPath(new URL('./index.html', import.meta.url)) },
  },
  plugins: [
    VitePWA({
      registerType: 'autoUpdate', // new builds take over at once (skipWaiting + clientsClaim)
      injectRegister: 'script',
      manifest: {
        name: 'CairnDB Tasks',
        short_name: 'Cairn Tasks',
        description: 'An offline-first task app on CairnDB, a Datalog database in your browser.',
        theme_color: '#2f5d50',
        background_color: '#f6f5f1',
        display: 'standalone',
        start_url: './',
        scope: './',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html}'], // the manifest's icons are added by the plugin
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // Take control of the page that registered it, so the very first visit already works
        // offline on the next reload.
        clientsClaim: true,
        skipWaiting: true,
      },
      // The dev server runs without a service worker so edits are never served stale.
      devOptions: { enabled: false },
    }),
  ],
});
