// The docs' browser examples (```ts blocks marked `browser`, see test/doc-examples.ts) run as
// written in real Chromium: `cairndb/client` with its default worker over IndexedDB, and the
// engine on the page over localStorage. Each program is written next to the repo and loaded
// through Vite like any app module, with the package's entry points pointed at the source.
import { describe, it } from 'vitest';
import { commands } from 'vitest/browser';
import { chains, DOC_FILES, examples, program } from './doc-examples.js';

const IMPORTS = { cairndb: '/src/index.ts', 'cairndb/worker': '/worker/entry.ts', 'cairndb/client': '/worker/client.ts' };
const texts = await Promise.all(DOC_FILES.map(async (doc) => [doc, await commands.readFile(doc)] as const));

for (const [doc, text] of texts) {
  const browserChains = chains(examples(doc, text)).filter((c) => c.browser);
  if (browserChains.length === 0) continue;
  describe(doc, () => {
    for (const chain of browserChains) {
      it(`runs the browser example at line ${chain.lines.join(', ')}`, async () => {
        localStorage.clear();
        const name = `${doc.replace(/\W/g, '-')}-${chain.lines[0]}`;
        const file = `.test-results/docs-browser/${name}.${chain.jsx ? 'tsx' : 'ts'}`;
        await commands.writeFile(file, program(chain, IMPORTS, `docs-${name}`));
        await import(/* @vite-ignore */ `/${file}`);
      });
    }
  });
}
