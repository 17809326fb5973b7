// Several processes committing to one file store: the lock file serialises them, so of four
// compare-and-set commits from the same head exactly one wins and the rest see store/conflict.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { createFileBackend } from './file.js';
import { encodeName } from './file-names.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'cairn-procs-'));
afterAll(() => rm(root, { recursive: true, force: true }));

it('four processes CAS the same head: exactly one commits', async () => {
  const backend = createFileBackend();
  const cfg = { backend: 'file', id: 'shared', path: root };
  const s = await backend.create(cfg);
  await s.putBatch([['ref:head', new TextEncoder().encode('base')]]);
  const names = ['p1', 'p2', 'p3', 'p4'];
  const outs = await Promise.all(
    names.map((n) =>
      run(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'cas-child.ts'), 'file', root, 'shared', n]).then((r) => r.stdout.trim()),
    ),
  );
  expect(outs.filter((o) => o === 'ok')).toHaveLength(1);
  expect(outs.filter((o) => o === 'conflict')).toHaveLength(3);
  const winner = names[outs.indexOf('ok')]!;
  expect(new TextDecoder().decode(await s.get('ref:head'))).toBe(winner);
  const keys = (await s.keys()).filter((k) => k !== 'ref:head');
  expect(keys.every((k) => k.startsWith(`${winner}-`))).toBe(true);
  expect(keys).toHaveLength(50);
  expect(await readdir(join(root, encodeName('shared')))).not.toContain('lock');
  await s.close();
}, 120_000);
