// A strict file-store batch whose refs log was replaced (renamed over the old one, so every
// reader already sees the new refs) but whose directory fsync then fails: the batch reports
// store/io saying it is visible, and keeps its node files — removing them, as a batch that
// failed earlier does, would leave the visible head pointing at missing nodes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { createFileBackend } from './file.js';
import { isCairnError } from '../util/errors.js';

const fault = vi.hoisted(() => ({ armed: false, dirFds: new Set<number>(), failed: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    // The refs log syncs its directory through openSync(dir, 'r') and fsync.
    openSync: ((...args: Parameters<typeof fs.openSync>) => {
      const fd = fs.openSync(...args);
      if (String(args[1]) === 'r' && fs.statSync(args[0]).isDirectory()) fault.dirFds.add(fd);
      return fd;
    }) as typeof fs.openSync,
    closeSync: ((fd: number) => {
      fault.dirFds.delete(fd);
      fs.closeSync(fd);
    }) as typeof fs.closeSync,
    fsync: ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      if (fault.armed && fault.dirFds.has(fd)) {
        fault.armed = false;
        fault.failed++;
        cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
        return;
      }
      fs.fsync(fd, cb);
    }) as typeof fs.fsync,
  };
});

const root = await mkdtemp(join(tmpdir(), 'cairn-dirsync-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const bytes = (s: string) => new TextEncoder().encode(s);

it('a failed directory fsync after the refs log was replaced keeps the batch, and says it is visible', async () => {
  const store = await createFileBackend().create({ backend: 'file', id: 'dirsync', path: root, durability: 'strict' });
  // The first refs write of a store writes a fresh log through a temp file and a rename.
  fault.armed = true;
  const err = await store
    .putBatch([
      ['n1', bytes('node one')],
      ['ref:head', bytes('h1')],
    ])
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(fault.failed).toBe(1);
  expect(isCairnError(err, 'store/io')).toBe(true);
  expect((err as Error).message).toMatch(/written and visible/);
  // What readers see is whole: the new head and the node it names.
  expect(new TextDecoder().decode(await store.get('ref:head'))).toBe('h1');
  expect(new TextDecoder().decode(await store.get('n1'))).toBe('node one');
  // And the store goes on: the next batch commits on top of it.
  await store.putBatch(
    [
      ['n2', bytes('node two')],
      ['ref:head', bytes('h2')],
    ],
    { cas: { key: 'ref:head', expected: bytes('h1') } },
  );
  const again = await createFileBackend().connect({ backend: 'file', id: 'dirsync', path: root });
  expect(new TextDecoder().decode(await again.get('ref:head'))).toBe('h2');
  expect((await again.getMany(['n1', 'n2'])).map((b) => b && new TextDecoder().decode(b))).toEqual(['node one', 'node two']);
  await again.close();
  await store.close();
});
