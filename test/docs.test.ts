// Every fenced code example of the docs runs as written (test/doc-examples.ts says how blocks
// are found and what their directives mean): Node examples here, with the package's entry
// points pointed at the source; browser examples in docs.browser.test.ts; excerpts are checked
// against the file they quote. Also: no doc points to a file outside the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chains, DOC_FILES, examples, isExcerptOf, isProgram, program } from './doc-examples.js';

const repo = resolve(import.meta.dirname, '..');
const out = join(repo, '.test-results/docs');
const file = (p: string): string => pathToFileURL(join(repo, p)).href;
const IMPORTS = {
  cairndb: file('src/index.ts'),
  'cairndb/worker': file('worker/entry.ts'),
  'cairndb/client': file('worker/client.ts'),
  'cairndb/server': file('src/server/index.ts'),
  'cairndb/react': file('src/react/index.ts'),
};

for (const doc of DOC_FILES) {
  const list = examples(doc, readFileSync(join(repo, doc), 'utf8'));
  describe(doc, () => {
    it('points only to files inside the repository', () => {
      const text = readFileSync(join(repo, doc), 'utf8');
      expect(text).not.toMatch(/\.\.\/shared|STYLE habit|DESIGN\.md|reference\/(datahike|browser-storage)/);
    });

    it('has no code block the tests leave out', () => {
      for (const e of list) {
        const known = isProgram(e) || e.excerpt !== null || e.checkedBy !== null || e.lang === 'sh' || e.lang === '';
        expect(known, `${doc}:${e.line} is a \`\`\`${e.lang} block`).toBe(true);
      }
    });

    for (const e of list.filter((x) => x.checkedBy !== null)) {
      it(`hands the example at line ${e.line} to ${e.checkedBy}, which reads ${doc}`, () => {
        expect(existsSync(join(repo, e.checkedBy!)), e.checkedBy!).toBe(true);
        expect(readFileSync(join(repo, e.checkedBy!), 'utf8')).toContain(doc);
      });
    }
    for (const e of list.filter((x) => x.excerpt !== null)) {
      it(`quotes ${e.excerpt} faithfully (line ${e.line})`, () => {
        expect(existsSync(join(repo, e.excerpt!)), e.excerpt!).toBe(true);
        expect(isExcerptOf(e.code, readFileSync(join(repo, e.excerpt!), 'utf8'))).toBe(true);
      });
    }

    for (const chain of chains(list).filter((c) => !c.browser)) {
      it(`runs the example at line ${chain.lines.join(', ')}`, async () => {
        mkdirSync(out, { recursive: true });
        const name = `${doc.replace(/\W/g, '-')}-${chain.lines[0]}`;
        const path = join(out, `${name}.${chain.jsx ? 'tsx' : 'ts'}`);
        writeFileSync(path, program(chain, IMPORTS, `docs-${name}`));
        await import(/* @vite-ignore */ pathToFileURL(path).href);
      });
    }
  });
}

// The same programs (browser ones included) type-check against the source, as a TypeScript
// user's copy would against the package.
it('every example type-checks', () => {
  const dir = join(repo, '.test-results/docs-types');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rel = {
    cairndb: '../../src/index.ts',
    'cairndb/worker': '../../worker/entry.ts',
    'cairndb/client': '../../worker/client.ts',
    'cairndb/server': '../../src/server/index.ts',
    'cairndb/react': '../../src/react/index.ts',
  };
  const files: string[] = [];
  for (const doc of DOC_FILES) {
    const list = examples(doc, readFileSync(join(repo, doc), 'utf8'));
    for (const chain of chains(list)) {
      const name = `${doc.replace(/\W/g, '-')}-${chain.lines[0]}.${chain.jsx ? 'tsx' : 'ts'}`;
      writeFileSync(join(dir, name), program(chain, rel, 'types'));
      files.push(name);
    }
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noUnusedLocals: false, noEmit: true, jsx: 'react-jsx' },
      include: [],
      files,
    }),
  );
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    expect.fail(`the examples do not type-check:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
});
