// A full disk during a file-store putBatch: 'store/quota', and nothing of the batch stays
// visible (node files it already placed are removed; the refs file is untouched).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { expectCode } from './contract.js';
import { createFileBackend } from './file.js';
import { encodeName } from './file-names.js';

const fault = vi.hoisted(() => ({ failOnOpen: -1, opens: 0, inWrite: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: (async (...args: Parameters<typeof fs.open>) => {
      const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      if (String(args[1]) === 'w' && ++fault.opens === fault.failOnOpen) {
        if (!fault.inWrite) throw enospc();
        // the file gets created, then the write runs out of space
        const fh = await fs.open(...args);
        fh.writeFile = async () => {
          throw enospc();
        };
        return fh;
      }
      return fs.open(...args);
    }) as typeof fs.open,
  };
});

const root = await mkdtemp(join(tmpdir(), 'cairn-quota-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const bytes = (s: string) => new TextEncoder().encode(s);

it.each([
  ['opening a node file', 3, false],
  ['writing a node file', 4, true],
  ['opening the refs file', 6, false],
  ['writing the refs file', 6, true],
])('ENOSPC %s -> store/quota, nothing lost', async (_what, failAt, inWrite) => {
  const backend = createFileBackend();
  const cfg = { backend: 'file', id: `quota-${failAt}-${inWrite}`, path: root };
  const s = await backend.create(cfg);
  await s.putBatch([
    ['old', bytes('o')],
    ['ref:head', bytes('h1')],
  ]);
  const before = (await s.keys()).sort();

  fault.opens = 0;
  fault.inWrite = inWrite;
  fault.failOnOpen = failAt; // opens 1..5 are the five node temp files, 6 the refs temp file
  const batch: [string, Uint8Array][] = [1, 2, 3, 4, 5].map((i) => [`n${i}`, bytes(`node ${i}`)]);
  batch.push(['ref:head', bytes('h2')]);
  await expectCode(s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h1') } }), 'store/quota');
  fault.failOnOpen = -1;

  expect((await s.keys()).sort()).toEqual(before);
  expect(await readdir(join(root, encodeName(cfg.id), 'tmp'))).toEqual([]);
  expect(new TextDecoder().decode(await s.get('ref:head'))).toBe('h1');
  // space freed: the same batch now goes through
  await s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h1') } });
  expect(new TextDecoder().decode(await s.get('ref:head'))).toBe('h2');
  await s.close();
});
