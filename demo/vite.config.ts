// The demo app's Vite config: dev server (`npm run demo`), static build (`vite build --config
// demo/vite.config.ts`, output dist/demo) and the PWA (web manifest + Workbox service worker
// precaching every built file, so a reload with the network off still opens the app and its
// IndexedDB data). It lives in demo/ so the root vite.config.ts stays free for the library build.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: 'public',
  resolve: {
    // Apps import the published name; in this repo it points at the source.
    alias: { 'cairndb/client': fileURLToPath(new URL('../worker/client.ts', import.meta.url)) },
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  build: {
    outDir: 'dist/demo',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: fileURLToPath(new URL('../index.html', import.meta.url)) },
  },
  plugins: [
    VitePWA({
      registerType: 'autoUpdate', // new builds take over at once (skipWaiting + clientsClaim)
      injectRegister: 'script',
      includeAssets: ['icon.svg'],
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
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
      // The dev server runs without a service worker so edits are never served stale.
      devOptions: { enabled: false },
    }),
  ],
});
