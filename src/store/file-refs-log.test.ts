// The file backend's refs log (./file-refs.ts, ./file-refs-log.ts) and the lock lease that keeps
// it open between a writer's batches (./file-lock.ts): torn tails, old refs files, compaction,
// and that a lease never outlives its store handle, a replaced lock file or a waiting process.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileBackend } from './file.js';
import { lockStats } from './file-lock.js';
import { encodeName } from './file-names.js';
import { decodeRefsFile, encodeRefs } from './file-refs.js';
import { COMPACT_BYTES } from './file-refs-log.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-refslog-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const here = dirname(fileURLToPath(import.meta.url));

const enc = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
let seq = 0;
const cfg = (durability: 'strict' | 'relaxed' = 'relaxed') => ({ backend: 'file', id: `log-${seq++}`, path: root, durability });
const refsPath = (c: { id: string }) => join(root, encodeName(c.id), 'refs');
const lockPath = (c: { id: string }) => join(root, encodeName(c.id), 'lock');

async function heads(c: ReturnType<typeof cfg>, values: string[]) {
  const s = await createFileBackend().create(c);
  let prev: Uint8Array | undefined;
  for (const v of values) {
    await s.putBatch([['ref:head', enc(v)]], { cas: { key: 'ref:head', expected: prev } });
    prev = enc(v);
  }
  await s.close();
}

describe('refs log', () => {
  it.each(['strict', 'relaxed'] as const)('a torn last frame is ignored on read and cut before the next append (%s)', async (durability) => {
    const c = cfg(durability);
    await heads(c, ['h1', 'h2']);
    const whole = (await stat(refsPath(c))).size;
    // A frame header announcing 100 bytes, then only 10 of them: a writer killed mid-append.
    await appendFile(refsPath(c), new Uint8Array([0, 0, 0, 100, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]));
    const s = await createFileBackend().connect(c);
    expect(text(await s.get('ref:head'))).toBe('h2');
    await s.putBatch([['ref:head', enc('h3')]], { cas: { key: 'ref:head', expected: enc('h2') } });
    await s.close();
    const bytes = new Uint8Array(await readFile(refsPath(c)));
    const file = decodeRefsFile(bytes, 'refs');
    expect(file.end).toBe(bytes.length); // the torn bytes are gone, the new frame follows the old ones
    expect(bytes.length).toBeGreaterThan(whole);
    expect(text(file.refs.get('ref:head'))).toBe('h3');
    expect(text(await (await createFileBackend().connect(c)).get('ref:head'))).toBe('h3');
  });

  it('a zero-filled tail (a file extended but never written) is ignored and cut', async () => {
    const c = cfg();
    await heads(c, ['h1', 'h2']);
    const whole = (await stat(refsPath(c))).size;
    await appendFile(refsPath(c), new Uint8Array(4096));
    const s = await createFileBackend().connect(c);
    expect(text(await s.get('ref:head'))).toBe('h2');
    await s.putBatch([['ref:head', enc('h3')]], { cas: { key: 'ref:head', expected: enc('h2') } });
    await s.close();
    const bytes = new Uint8Array(await readFile(refsPath(c)));
    expect(bytes.length).toBeLessThan(whole + 4096);
    expect(text(decodeRefsFile(bytes, 'refs').refs.get('ref:head'))).toBe('h3');
  });

  it('a last frame whose checksum fails counts as torn: the one before is the head', async () => {
    const c = cfg();
    await heads(c, ['h1', 'h2']);
    const bytes = new Uint8Array(await readFile(refsPath(c)));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // flip a byte of the last frame's payload
    await writeFile(refsPath(c), bytes);
    const s = await createFileBackend().connect(c);
    expect(text(await s.get('ref:head'))).toBe('h1');
    await expect(s.putBatch([['ref:head', enc('x')]], { cas: { key: 'ref:head', expected: enc('h2') } })).rejects.toMatchObject({ code: 'store/conflict' });
    await s.putBatch([['ref:head', enc('h3')]], { cas: { key: 'ref:head', expected: enc('h1') } });
    expect(text(await s.get('ref:head'))).toBe('h3');
    await s.close();
  });

  it('reads a version-1 refs file (one snapshot) and turns it into a log on the first write', async () => {
    const c = cfg();
    await heads(c, []);
    await writeFile(
      refsPath(c),
      encodeRefs(
        new Map([
          ['ref:head', enc('old')],
          ['ref:other', enc('kept')],
        ]),
      ),
    );
    const s = await createFileBackend().connect(c);
    expect(text(await s.get('ref:head'))).toBe('old');
    await s.putBatch([['ref:head', enc('new')]], { cas: { key: 'ref:head', expected: enc('old') } });
    await s.close();
    const bytes = new Uint8Array(await readFile(refsPath(c)));
    expect(text(bytes.subarray(0, 4))).toBe('CRL1');
    const again = await createFileBackend().connect(c);
    expect(text(await again.get('ref:head'))).toBe('new');
    expect(text(await again.get('ref:other'))).toBe('kept');
    expect((await again.keys()).sort()).toEqual(['ref:head', 'ref:other']);
    await again.close();
  });

  it('stays under its bound: a commit that would outgrow it writes a fresh one-frame log', async () => {
    const c = cfg();
    const s = await createFileBackend().create(c);
    const value = (i: number) => enc(`${i}:`.padEnd(COMPACT_BYTES / 64, 'x')); // 200 of them: past the bound three times
    let largest = 0;
    let shrank = 0;
    for (let i = 0; i < 200; i++) {
      await s.putBatch([['ref:head', value(i)]], { cas: { key: 'ref:head', expected: i === 0 ? undefined : value(i - 1) } });
      const size = (await stat(refsPath(c))).size;
      if (size < largest) shrank++;
      largest = Math.max(largest, size);
      expect(size).toBeLessThanOrEqual(COMPACT_BYTES);
    }
    expect(shrank).toBeGreaterThan(1);
    expect(await s.get('ref:head')).toEqual(value(199));
    await s.deleteMany(['ref:head']);
    expect(await s.get('ref:head')).toBeUndefined();
    await s.close();
    expect(await (await createFileBackend().connect(c)).get('ref:head')).toBeUndefined();
  });
  it('a GC sweep (deleteManyIf) leaves the current refs only: older heads are not kept on disk', async () => {
    const c = cfg();
    await heads(c, ['secret-1', 'secret-2', 'h3']);
    const has = async (needle: string) => Buffer.from(await readFile(refsPath(c))).includes(needle);
    expect(await has('secret-1')).toBe(true);
    const s = await createFileBackend().connect(c);
    await s.putBatch([['n1', enc('node')]]);
    await s.deleteManyIf!(['n1'], { key: 'ref:head', expected: enc('h3') });
    expect(await has('secret-1')).toBe(false);
    expect(await has('secret-2')).toBe(false);
    expect(decodeRefsFile(new Uint8Array(await readFile(refsPath(c))), 'refs').frames).toBe(1);
    expect(text(await s.get('ref:head'))).toBe('h3');
    await s.close();
  });
});

describe('lock lease', () => {
  it('keeps the lock between batches and releases it when the store closes', async () => {
    const c = cfg();
    const s = await createFileBackend().create(c);
    const leased = lockStats.leased;
    // Two batches in line: the second takes over the first one's lock without touching the file.
    await Promise.all([s.putBatch([['ref:head', enc('a')]]), s.putBatch([['ref:other', enc('b')]])]);
    expect(lockStats.leased).toBe(leased + 1);
    // Still held right after (only a timer, never a promise, lets it go).
    expect(readFileSync(lockPath(c), 'utf8').startsWith(`${process.pid}:`)).toBe(true);
    await s.close();
    expect(existsSync(lockPath(c))).toBe(false);
    expect(text(await (await createFileBackend().connect(c)).get('ref:head'))).toBe('a');
  });

  it('a lock file replaced while leased is not reused: a dead owner planted there is broken, nothing lost', async () => {
    const c = cfg();
    const s = await createFileBackend().create(c);
    await s.putBatch([['ref:head', enc('a')]]);
    await writeFile(lockPath(c), String(2 ** 22 + 1)); // a dead writer's lock, as a kill -9 leaves it
    const broken = lockStats.broken;
    await s.putBatch([['ref:head', enc('b')]], { cas: { key: 'ref:head', expected: enc('a') } });
    expect(lockStats.broken).toBe(broken + 1);
    expect(text(await s.get('ref:head'))).toBe('b');
    await s.close();
  });

  it('a lease that ends leaves alone a lock file that is no longer its own (removed by hand and taken by another writer)', async () => {
    const c = cfg();
    const s = await createFileBackend().create(c);
    await s.putBatch([['ref:head', enc('a')]]); // leased now, for a few ms
    await rm(lockPath(c));
    await writeFile(lockPath(c), 'another writer'); // a new file: another process's lock, say
    await new Promise((resolve) => setTimeout(resolve, 200)); // the lease's linger is long over
    expect(readFileSync(lockPath(c), 'utf8')).toBe('another writer');
    await rm(lockPath(c));
    await s.close();
  });

  it('a process waiting for the lock gets it while this one keeps committing', async () => {
    const c = { backend: 'file', id: 'shared', path: root };
    const s = await createFileBackend().create(c);
    await s.putBatch([['ref:head', enc('base')]]);
    // The child takes the lock once to commit 50 nodes and a head (its CAS fails, as the head
    // moves here: "conflict" proves it got the lock just as well as "ok").
    const child = promisify(execFile)(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'cas-child.ts'), 'file', root, 'shared', 'p1']);
    let done = false;
    void child.finally(() => (done = true)).catch(() => undefined);
    let commits = 0;
    while (!done) {
      if (++commits > 1_000_000) throw new Error('the child never got the lock');
      await s.putBatch([['ref:tick', enc(String(commits))]]);
    }
    expect(['ok', 'conflict']).toContain((await child).stdout.trim());
    expect(text(await s.get('ref:tick'))).toBe(String(commits));
    await s.close();
  }, 120_000);
});
