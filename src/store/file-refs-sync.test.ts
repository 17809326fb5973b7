// A strict file-store batch whose refs are already visible to every reader — a frame appended
// whole to the refs log, or a fresh log renamed over the old one — but whose fsync then fails
// (the log's own, or its directory's): the batch reports store/io saying it is visible, and
// keeps its node files and its frame. Removing them, as a batch that failed earlier does, would
// take back a head that readers may already have adopted, or leave it naming missing nodes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { createFileBackend } from './file.js';
import { isCairnError } from '../util/errors.js';

const fault = vi.hoisted(() => ({
  armed: false,
  dirFds: new Set<number>(),
  logArmed: false,
  logFds: new Set<number>(),
  opened: new Map<string, number>(),
  failed: 0,
}));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    // The refs log syncs its directory through openSync(dir, 'r') and fsync.
    openSync: ((...args: Parameters<typeof fs.openSync>) => {
      const fd = fs.openSync(...args);
      if (String(args[1]) === 'r' && fs.statSync(args[0]).isDirectory()) fault.dirFds.add(fd);
      // The log's descriptor: opened to append, or the temp file renamed into place as a fresh log.
      if (String(args[1]) === 'r+' && String(args[0]).endsWith('/refs')) fault.logFds.add(fd);
      fault.opened.set(String(args[0]), fd);
      return fd;
    }) as typeof fs.openSync,
    renameSync: ((from: string, to: string) => {
      fs.renameSync(from, to);
      const fd = fault.opened.get(String(from));
      if (fd !== undefined && String(to).endsWith('/refs')) fault.logFds.add(fd);
    }) as typeof fs.renameSync,
    closeSync: ((fd: number) => {
      fault.dirFds.delete(fd);
      fault.logFds.delete(fd);
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
    fdatasync: ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      if (fault.logArmed && fault.logFds.has(fd)) {
        fault.logArmed = false;
        fault.failed++;
        cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
        return;
      }
      fs.fdatasync(fd, cb);
    }) as typeof fs.fdatasync,
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

it('a failed fsync of a frame appended to the refs log keeps the frame and the batch, and says it is visible', async () => {
  const cfg = { backend: 'file', id: 'logsync', path: root, durability: 'strict' } as const;
  const store = await createFileBackend().create(cfg);
  await store.putBatch([
    ['n1', bytes('node one')],
    ['ref:head', bytes('h1')],
  ]);
  // A reader of another connection adopts what the log shows, with no lock.
  const reader = await createFileBackend().connect(cfg);
  fault.failed = 0;
  fault.logArmed = true;
  const err = await store
    .putBatch(
      [
        ['n2', bytes('node two')],
        ['ref:head', bytes('h2')],
      ],
      { cas: { key: 'ref:head', expected: bytes('h1') } },
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(fault.failed).toBe(1); // the fault hit the append's fdatasync, not a node file's
  expect(isCairnError(err, 'store/io')).toBe(true);
  expect((err as Error).message).toMatch(/syncing the refs log .*written and visible/);
  // The head readers may have adopted stays, with the node it names.
  expect(new TextDecoder().decode(await reader.get('ref:head'))).toBe('h2');
  expect(new TextDecoder().decode(await reader.get('n2'))).toBe('node two');
  // The writer reopens the log and goes on from that head.
  await store.putBatch(
    [
      ['n3', bytes('node three')],
      ['ref:head', bytes('h3')],
    ],
    { cas: { key: 'ref:head', expected: bytes('h2') } },
  );
  expect(new TextDecoder().decode(await reader.get('ref:head'))).toBe('h3');
  await reader.close();
  await store.close();
});
