// The README's example is executed as written (with the package import pointed at the source),
// so the first code a newcomer copies is known to work.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

it('runs the README example', async () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Example'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, 'README has a ```ts example').toBeTruthy();
  const source = code!.replace(/from 'cairndb'/g, `from '${pathToFileURL(`${process.cwd()}/src/index.ts`).href}'`);
  mkdirSync('.test-results', { recursive: true });
  const file = `${process.cwd()}/.test-results/readme-example.ts`;
  writeFileSync(file, `${source}\nexport { names };\n`);
  const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { names: string[] };
  expect([...mod.names].sort()).toEqual(['Ivan', 'Petr']);
});
