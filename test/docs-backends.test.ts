// The worked example of docs/backends.md is real code: its ```ts file=… blocks are written out
// as files and type-checked exactly as written (`cairndb` and `cairndb/testing` resolved to
// this repository's entries, the repo's strict compiler settings), a broken copy must fail the
// same check (so the check can fail), and the backend it defines runs the contract suite here.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { runStoreContract } from '../src/testing.js';
import type { Backend } from '../src/store/types.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
// Inside the repo (ignored by git and by the test globs) so `vitest`, `@types/node` resolve.
const work = join(repo, '.test-results', `docs-backends-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const markdown = readFileSync(join(repo, 'docs/backends.md'), 'utf8');
const blocks = [...markdown.matchAll(/^```ts file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({ name: m[1]!, code: m[2]! }));

/** Type-check `files` in `dir` with the repo's strict settings; resolves to tsc's output. */
async function typecheck(dir: string, files: { name: string; code: string }[]): Promise<{ ok: boolean; output: string }> {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.code);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        strict: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        verbatimModuleSyntax: true,
        erasableSyntaxOnly: true,
        isolatedModules: true,
        skipLibCheck: true,
        allowImportingTsExtensions: true,
        noEmit: true,
        paths: { cairndb: [join(repo, 'src/node.ts')], 'cairndb/testing': [join(repo, 'src/testing.ts')] },
      },
      files: files.map((f) => f.name),
    }),
  );
  try {
    const r = await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir });
    return { ok: true, output: r.stdout + r.stderr };
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${out.stdout ?? ''}${out.stderr ?? ''}` };
  }
}

it('docs/backends.md has the worked example: a backend file and its test file', () => {
  expect(blocks.map((b) => b.name)).toEqual(['map-backend.ts', 'map-backend.test.ts']);
  expect(blocks[0]!.code).toContain("from 'cairndb'");
  expect(blocks[1]!.code).toContain("from 'cairndb/testing'");
});

it('the worked example type-checks as written, and a broken copy does not', async () => {
  const good = await typecheck(join(work, 'good'), blocks);
  expect(good.output).toBe('');
  expect(good.ok).toBe(true);
  // The same files with one type error: the check must notice.
  const broken = blocks.map((b, i) => (i === 0 ? { ...b, code: b.code.replace('closed = false;', "closed: boolean = 'no';") } : b));
  expect(broken[0]!.code).not.toBe(blocks[0]!.code);
  const bad = await typecheck(join(work, 'broken'), broken);
  expect(bad.ok).toBe(false);
  expect(bad.output).toMatch(/map-backend\.ts.*TS2322/);
}, 240_000);

// Run the documented backend itself: the block, with `cairndb` pointing at the Node entry.
const runDir = join(work, 'run');
mkdirSync(runDir, { recursive: true });
writeFileSync(join(runDir, 'map-backend.ts'), blocks[0]!.code.replaceAll("from 'cairndb'", `from ${JSON.stringify(join(repo, 'src/node.ts'))}`));
const { createMapBackend } = (await import(join(runDir, 'map-backend.ts'))) as { createMapBackend: () => Backend };
const backend = createMapBackend();
runStoreContract('docs worked example (map)', { backend: () => backend, config: (id) => ({ backend: 'map', id }) });
