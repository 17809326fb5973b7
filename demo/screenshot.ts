// Regenerates docs/demo.png, the README's screenshot: `npx tsx demo/screenshot.ts [url]` with the
// demo served (`npm run demo`, default http://127.0.0.1:5173/; or the build via `vite preview`,
// which also shows the service worker's "Works offline"). A fresh browser profile, so the
// picture shows the seeded sample data with the first example query run.
import { chromium } from 'playwright';
import { launchOptions } from '../test/chromium.js';

const url = process.argv[2] ?? 'http://127.0.0.1:5173/';
const browser = await chromium.launch(launchOptions);
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(url);
  await page.getByText('Ready', { exact: true }).waitFor();
  await page.getByRole('list', { name: 'Tasks' }).getByRole('listitem').first().waitFor();
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.console-result table').waitFor();
  // A production build registers a service worker: let it take control (dev servers have none).
  await page.evaluate(() =>
    Promise.race([
      new Promise((resolve) => navigator.serviceWorker?.addEventListener('controllerchange', resolve)),
      new Promise((resolve) => setTimeout(resolve, navigator.serviceWorker?.controller ? 0 : 3000)),
    ]),
  );
  await page.mouse.move(0, 0); // no hover styles in the picture
  await page.screenshot({ path: 'docs/demo.png' });
  console.log('wrote docs/demo.png');
} finally {
  await browser.close();
}
