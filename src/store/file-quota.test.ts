// A full disk during a file-store putBatch: 'store/quota', and nothing of the batch stays
// visible (node files it already placed are removed; the refs log keeps its last whole frame).
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { expectCode } from './contract.js';
import { createFileBackend } from './file.js';
import { encodeName } from './file-names.js';

const fault = vi.hoisted(() => ({
  /** The temp-file open (counted from 1) that runs out of space, or, with inWrite, whose write does. */
  failOnOpen: -1,
  opens: 0,
  /** The node name (counted from 1) whose link into a pack runs out of space. */
  failOnLink: -1,
  links: 0,
  /** A file system without hard links: every link() fails with EPERM. */
  noLinks: false,
  inWrite: false,
  /** The refs log's calls: fail the next temp-file open, or cut the next write short and fail the one after. */
  syncOpen: false,
  syncWrite: 'off' as 'off' | 'short' | 'fail',
}));
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    openSync: ((...args: Parameters<typeof fs.openSync>) => {
      if (String(args[1]) === 'w') {
        if (fault.syncOpen) {
          fault.syncOpen = false;
          throw enospc();
        }
        if (++fault.opens === fault.failOnOpen) {
          if (!fault.inWrite) throw enospc();
          fault.syncWrite = 'fail'; // the file gets created, then the write runs out of space
        }
      }
      return fs.openSync(...args);
    }) as typeof fs.openSync,
    writevSync: ((fd: number, buffers: readonly NodeJS.ArrayBufferView[], position?: number) => {
      if (fault.syncWrite === 'fail') {
        fault.syncWrite = 'off';
        throw enospc();
      }
      return fs.writevSync(fd, buffers, position);
    }) as typeof fs.writevSync,
    linkSync: ((existing: string, name: string) => {
      if (fault.noLinks && String(name).includes('/nodes/')) throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
      if (++fault.links === fault.failOnLink) throw enospc();
      return fs.linkSync(existing, name);
    }) as typeof fs.linkSync,
    writeSync: ((fd: number, buf: Uint8Array, offset: number, length: number, position: number | null) => {
      if (fault.syncWrite === 'fail') {
        fault.syncWrite = 'off';
        throw enospc();
      }
      if (fault.syncWrite === 'short') {
        fault.syncWrite = 'fail'; // half of the bytes land, then the disk is full
        return fs.writeSync(fd, buf, offset, Math.max(1, length >> 1), position);
      }
      return fs.writeSync(fd, buf, offset, length, position);
    }) as typeof fs.writeSync,
  };
});

const root = await mkdtemp(join(tmpdir(), 'cairn-quota-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const bytes = (s: string) => new TextEncoder().encode(s);

// A refs log holding a 40 KB ref is rewritten whole on every commit (past COMPACT_BYTES):
// that is the temp-file path; with small refs a commit appends one frame.
it.each([
  ['opening the pack file', 1, -1, false, 'off', false],
  ['writing the pack file', 1, -1, true, 'off', false],
  ['linking the third node name to the pack', -1, 3, false, 'off', false],
  ['appending to the refs log (half a frame lands)', -1, -1, false, 'short', false],
  ['opening a fresh refs log', -1, -1, false, 'open', true],
  ['writing a fresh refs log', -1, -1, false, 'short', true],
] as const)('ENOSPC %s -> store/quota, nothing lost', async (_what, failAt, failLink, inWrite, refsFault, bigRefs) => {
  const backend = createFileBackend();
  const cfg = { backend: 'file', id: `quota-${failAt}-${failLink}-${inWrite}-${refsFault}-${bigRefs}`, path: root };
  const s = await backend.create(cfg);
  await s.putBatch([['old', bytes('o')], ['ref:head', bytes('h1')], ...(bigRefs ? [['ref:big', new Uint8Array(40_000).fill(7)] as [string, Uint8Array]] : [])]);
  const before = (await s.keys()).sort();

  fault.opens = 0;
  fault.inWrite = inWrite;
  fault.failOnOpen = failAt; // open 1 is the temp file of the pack holding the five nodes
  fault.links = 0;
  fault.failOnLink = failLink;
  fault.syncOpen = refsFault === 'open';
  fault.syncWrite = refsFault === 'short' ? 'short' : 'off';
  const batch: [string, Uint8Array][] = [1, 2, 3, 4, 5].map((i) => [`n${i}`, bytes(`node ${i}`)]);
  batch.push(['ref:head', bytes('h2')]);
  await expectCode(s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h1') } }), 'store/quota');
  fault.failOnOpen = -1;
  fault.failOnLink = -1;
  expect(fault.syncOpen).toBe(false); // the fault was hit
  expect(fault.syncWrite).toBe('off');

  expect((await s.keys()).sort()).toEqual(before);
  expect(await readdir(join(root, encodeName(cfg.id), 'tmp'))).toEqual([]);
  expect(new TextDecoder().decode(await s.get('ref:head'))).toBe('h1');
  // space freed: the same batch now goes through
  await s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h1') } });
  expect(new TextDecoder().decode(await s.get('ref:head'))).toBe('h2');
  if (bigRefs) expect(await s.get('ref:big')).toEqual(new Uint8Array(40_000).fill(7));
  await s.close();
});

it('on a file system without hard links, the nodes of a batch are written as files of their own', async () => {
  const backend = createFileBackend();
  const cfg = { backend: 'file', id: 'no-links', path: root };
  const s = await backend.create(cfg);
  fault.noLinks = true;
  try {
    const nodes: [string, Uint8Array][] = [1, 2, 3, 4, 5].map((i) => [`n${i}`, bytes(`node ${i}`)]);
    await s.putBatch([...nodes, ['ref:head', bytes('h1')]]);
    expect(await s.getMany(nodes.map(([k]) => k))).toEqual(nodes.map(([, v]) => v));
    for (const [k] of nodes) expect((await stat(join(root, encodeName(cfg.id), 'nodes', encodeName(k)))).nlink).toBe(1);
    expect(await readdir(join(root, encodeName(cfg.id), 'tmp'))).toEqual([]);
  } finally {
    fault.noLinks = false;
  }
  await s.close();
});
