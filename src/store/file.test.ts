import { link, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode, runStoreContract } from './contract.js';
import { seededBytes } from './contract-data.js';
import { isCairnError } from '../util/errors.js';
import { createFileBackend } from './file.js';
import { decodeName, encodeName, keyToPath, pathToKey, SEGMENT } from './file-names.js';
import { crc32, decodeRefs, decodeRefsFile, encodeRefs, encodeRefsFrame, tableCrc32 } from './file-refs.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-file-store-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const backend = createFileBackend();
runStoreContract('file', { backend: () => backend, config: (id) => ({ backend: 'file', id, path: root }) });
runStoreContract('file (relaxed)', { backend: () => backend, config: (id) => ({ backend: 'file', id, path: root, durability: 'relaxed' }) });

describe('file names', () => {
  const keys = ['abc', 'ABC', 'a/b', '..', '.', '', '~', '~7e', 'ünï☃', '😀', 'x'.repeat(SEGMENT * 2 + 5), 'con', 'nul.txt'];
  it.each(keys.map((k) => [k]))('%j round-trips and stays a safe name', (key) => {
    const pieces = keyToPath(key);
    for (const p of pieces) {
      expect(p).toMatch(/^[a-z0-9_~-]*\+?$/);
      expect(p.length).toBeLessThanOrEqual(SEGMENT + 1);
    }
    expect(pathToKey(pieces)).toBe(key);
  });
  it('keeps keys that differ only in case apart', () => {
    expect(encodeName('A')).not.toBe(encodeName('a'));
  });
  it('refuses names it could not have produced', () => {
    expect(decodeName('A')).toBeUndefined();
    expect(decodeName('~zz')).toBeUndefined();
    expect(decodeName('~ff')).toBeUndefined(); // not UTF-8
    expect(pathToKey(['dir', 'file'])).toBeUndefined();
  });
});

describe('refs file', () => {
  it('a log frame holds exactly the snapshot encodeRefs writes, in a buffer the next frame reuses', () => {
    const maps = [
      new Map<string, Uint8Array>(),
      new Map([['ref:head', seededBytes(13, 3000)]]),
      new Map([
        ['ref:ünï☃', seededBytes(14, 10)],
        ['ref:other', new Uint8Array(0)],
      ]),
      new Map([['ref:big', seededBytes(15, 40_000)]]), // past the buffer's first size
    ];
    for (const refs of maps) {
      for (const header of [false, true]) {
        const frame = encodeRefsFrame(refs, header).slice();
        const payload = encodeRefs(refs);
        expect(Buffer.from(frame.subarray(frame.length - payload.length))).toEqual(Buffer.from(payload));
        const file = header ? frame : new Uint8Array([0x43, 0x52, 0x4c, 0x31, ...frame]);
        const decoded = decodeRefsFile(file, 'refs');
        expect(decoded.frames).toBe(1);
        expect(decoded.refs).toEqual(refs);
      }
    }
    const first = encodeRefsFrame(maps[1]!, false);
    const again = encodeRefsFrame(maps[2]!, false);
    expect(first.buffer).toBe(again.buffer);
  });

  it('checksums with CRC-32 (IEEE), natively or by table, over any range', () => {
    const check = new TextEncoder().encode('xx123456789y');
    for (const f of [crc32, tableCrc32]) {
      expect(f(check, 2, 11)).toBe(0xcbf43926); // the standard check value of "123456789"
      expect(f(new Uint8Array(0))).toBe(0);
    }
    const bytes = seededBytes(12, 5000);
    expect(crc32(bytes, 7, 4321)).toBe(tableCrc32(bytes, 7, 4321));
  });
  it('round-trips and rejects damage as store/corrupt', () => {
    const refs = new Map([
      ['ref:head', new Uint8Array([1, 2, 3])],
      ['ref:ü', new Uint8Array(0)],
    ]);
    const bytes = encodeRefs(refs);
    expect(decodeRefs(bytes, 'refs')).toEqual(refs);
    for (const damaged of [bytes.subarray(0, bytes.length - 1), new Uint8Array([...bytes, 0]), new Uint8Array(3)]) {
      try {
        decodeRefs(damaged, 'refs');
        expect.unreachable();
      } catch (e) {
        expect((e as { code?: string }).code).toBe('store/corrupt');
      }
    }
  });
});

describe('file backend specifics', () => {
  const cfg = (id: string) => ({ backend: 'file', id, path: root });

  it('needs a path and a valid durability', async () => {
    await expectCode(backend.create({ backend: 'file', id: 'no-path' }), 'config/invalid');
    await expectCode(backend.create({ ...cfg('d'), durability: 'sometimes' }), 'config/invalid');
  });

  it('reports a corrupt refs file naming the file', async () => {
    const s = await backend.create(cfg('corrupt-refs'));
    await s.putBatch([['ref:head', new Uint8Array([1])]]);
    const dir = join(root, encodeName('corrupt-refs'));
    await writeFile(join(dir, 'refs'), new Uint8Array([9, 9, 9]));
    await expectCode(s.get('ref:head'), 'store/corrupt');
    await s.close();
    await backend.delete(cfg('corrupt-refs'));
  });

  it('refuses a store written by a newer format', async () => {
    await (await backend.create(cfg('newer'))).close();
    await writeFile(join(root, encodeName('newer'), 'cairn-store.json'), JSON.stringify({ format: 'cairndb-store', version: 99 }));
    await expectCode(backend.connect(cfg('newer')), 'store/format-version');
    await backend.delete(cfg('newer'));
  });

  it("opens an older CairnDB's store (marker 1, one-snapshot refs) and marks it 3 before the refs become a log", async () => {
    const dir = join(root, encodeName('older'));
    await (await backend.create(cfg('older'))).close();
    await writeFile(join(dir, 'cairn-store.json'), JSON.stringify({ format: 'cairndb-store', version: 1 }));
    await writeFile(join(dir, 'refs'), encodeRefs(new Map([['ref:head', new Uint8Array([7])]])));
    const s = await backend.connect(cfg('older'));
    expect(JSON.parse(await readFile(join(dir, 'cairn-store.json'), 'utf8'))).toEqual({ format: 'cairndb-store', version: 3 });
    expect(await s.get('ref:head')).toEqual(new Uint8Array([7]));
    await s.putBatch([['ref:head', new Uint8Array([8])]], { cas: { key: 'ref:head', expected: new Uint8Array([7]) } });
    expect(await s.get('ref:head')).toEqual(new Uint8Array([8]));
    await s.close();
    await backend.delete(cfg('older'));
  });

  it('leaves no temp or lock files behind after writes', async () => {
    const s = await backend.create(cfg('tidy'));
    await s.putBatch([
      ['a', new Uint8Array([1])],
      ['ref:head', new Uint8Array([2])],
    ]);
    await s.deleteMany(['a']);
    const dir = join(root, encodeName('tidy'));
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['cairn-store.json', 'nodes', 'refs', 'tmp']);
    await s.close();
    await backend.delete(cfg('tidy'));
  });

  it('create after an interrupted delete starts empty', async () => {
    const s = await backend.create(cfg('half-deleted'));
    await s.putBatch([
      ['n', new Uint8Array([1])],
      ['ref:head', new Uint8Array([2])],
    ]);
    await s.close();
    // what a delete killed right after removing the marker leaves behind
    await rm(join(root, encodeName('half-deleted'), 'cairn-store.json'));
    expect(await backend.exists(cfg('half-deleted'))).toBe(false);
    const again = await backend.create(cfg('half-deleted'));
    expect(await again.keys()).toEqual([]);
    await again.close();
    await backend.delete(cfg('half-deleted'));
  });

  it('breaks a lock left by a dead process', async () => {
    const s = await backend.create(cfg('stale-lock'));
    // pid 2^22 + 1 is above Linux's pid_max default range; treated as dead.
    await writeFile(join(root, encodeName('stale-lock'), 'lock'), String(2 ** 22 + 1));
    await s.putBatch([['ref:head', new Uint8Array([1])]]);
    expect(await s.get('ref:head')).toEqual(new Uint8Array([1]));
    await s.close();
    await backend.delete(cfg('stale-lock'));
  });
});

describe('packs', () => {
  const cfg = (id: string) => ({ backend: 'file', id, path: root });
  const nodePath = (id: string, key: string) => join(root, encodeName(id), 'nodes', ...keyToPath(key));
  // Sizes on both sides of the 64 KB a reader reads whole; a long key lives in a subdirectory.
  const batch: [string, Uint8Array][] = [
    ['small', seededBytes(1, 10)],
    ['medium', seededBytes(2, 9_000)],
    ['large', seededBytes(3, 70_000)],
    ['empty', new Uint8Array(0)],
    ['k'.repeat(SEGMENT + 20), seededBytes(4, 500)],
  ];

  it.each([
    ['small pack', batch.filter(([k]) => k !== 'large')],
    ['large pack', batch],
  ])('a %s: one file, each node a name linked to it, each read exact; the space goes with the last name', async (_what, nodes) => {
    const id = `pack-${nodes.length}`;
    const s = await backend.create(cfg(id));
    await s.putBatch([...nodes, ['ref:head', new Uint8Array([1])]]);
    const inodes = await Promise.all(nodes.map(([k]) => stat(nodePath(id, k))));
    expect(new Set(inodes.map((st) => st.ino)).size).toBe(1);
    expect(inodes[0]!.nlink).toBe(nodes.length);
    expect(await s.getMany(nodes.map(([k]) => k))).toEqual(nodes.map(([, v]) => v));
    for (const [k, v] of nodes) expect(await s.get(k)).toEqual(v);
    // size() counts the pack once
    const { bytes } = await s.size!();
    expect(bytes).toBeLessThan(inodes[0]!.size * 2);
    expect(bytes).toBeGreaterThanOrEqual(inodes[0]!.size);
    // dropping some names keeps the others readable; dropping all frees the pack
    await s.deleteMany(nodes.slice(0, 2).map(([k]) => k));
    expect(await s.getMany(nodes.map(([k]) => k))).toEqual(nodes.map(([, v], i) => (i < 2 ? undefined : v)));
    // and their bytes are gone from the pack the others keep (a purged value leaves no trace)
    const pack = new Uint8Array(await readFile(nodePath(id, nodes[2]![0])));
    const medium = Buffer.from(batch[1]![1].subarray(100, 164));
    expect(Buffer.from(pack).indexOf(medium)).toBe(-1);
    await s.deleteMany(nodes.slice(2).map(([k]) => k));
    expect((await s.size!()).bytes).toBeLessThan(inodes[0]!.size);
    await s.close();
    await backend.delete(cfg(id));
  });

  it('a node already stored keeps its file, alone or in a pack (keys are write-once)', async () => {
    const id = 'write-once';
    const s = await backend.create(cfg(id));
    await s.putBatch([['a', seededBytes(5, 100)]]);
    await s.putBatch([
      ['b', seededBytes(6, 100)],
      ['c', seededBytes(7, 100)],
    ]);
    const before = await Promise.all(['a', 'b'].map((k) => stat(nodePath(id, k))));
    await s.putBatch([['a', seededBytes(8, 100)]]);
    await s.putBatch([
      ['b', seededBytes(9, 100)],
      ['a', seededBytes(10, 100)],
      ['d', seededBytes(11, 100)],
    ]);
    expect((await stat(nodePath(id, 'a'))).ino).toBe(before[0]!.ino);
    expect((await stat(nodePath(id, 'b'))).ino).toBe(before[1]!.ino);
    // the second pack holds d, and nothing of the copies it did not name (a purge of a or b leaves no trace)
    const second = Buffer.from(await readFile(nodePath(id, 'd')));
    for (const n of [9, 10]) expect(second.indexOf(Buffer.from(seededBytes(n, 100).subarray(0, 64)))).toBe(-1);
    expect(await s.getMany(['a', 'b', 'c', 'd'])).toEqual([seededBytes(5, 100), seededBytes(6, 100), seededBytes(7, 100), seededBytes(11, 100)]);
    expect(await readdir(join(root, encodeName(id), 'tmp'))).toEqual([]);
    await s.close();
    await backend.delete(cfg(id));
  });

  it('deleting a node of a pack first moves the nodes still named there to a new pack: no file keeps a deleted node', async () => {
    const id = 'pack-repacked';
    const s = await backend.create(cfg(id));
    const nodes: [string, Uint8Array][] = Array.from({ length: 10 }, (_, i) => [`r${i}`, seededBytes(20 + i, 1_000)]);
    await s.putBatch(nodes);
    const ino = async (k: string) => (await stat(nodePath(id, k))).ino;
    // Every file under the store that holds these bytes (a pack that kept them would).
    const holding = async (bytes: Uint8Array): Promise<string[]> => {
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          const path = join(dir, e.name);
          if (e.isDirectory()) await walk(path);
          else if (Buffer.from(await readFile(path)).includes(bytes)) out.push(path);
        }
      };
      await walk(join(root, encodeName(id)));
      return out;
    };
    const first = await ino('r9');
    await s.deleteMany(['r0', 'r1', 'r2', 'r3']);
    const after = await stat(nodePath(id, 'r9'));
    expect(after.ino).not.toBe(first);
    expect(after.nlink).toBe(6);
    for (const k of ['r4', 'r5', 'r6', 'r7', 'r8']) expect(await ino(k)).toBe(after.ino);
    expect(after.size).toBeLessThan(7_000);
    for (const [, v] of nodes.slice(0, 4)) expect(await holding(v)).toEqual([]);
    for (const [, v] of nodes.slice(4)) expect(await holding(v)).toHaveLength(6); // the new pack, under its six names
    await s.deleteMany(['r4', 'r5']);
    expect((await stat(nodePath(id, 'r9'))).nlink).toBe(4);
    expect(await holding(nodes[4]![1])).toEqual([]);
    expect(await s.getMany(nodes.map(([k]) => k))).toEqual(nodes.map(([, v], i) => (i < 6 ? undefined : v)));
    expect(await readdir(join(root, encodeName(id), 'tmp'))).toEqual([]);
    await s.close();
    await backend.delete(cfg(id));
  });

  it('a node read while it is deleted from a pack is its bytes or missing, never anything else', async () => {
    const id = 'pack-read-while-deleted';
    const s = await backend.create(cfg(id));
    const reader = await backend.connect(cfg(id)); // another handle, as another process has
    const seen = { bytes: 0, missing: 0 };
    for (let round = 0; round < 25; round++) {
      const a: [string, Uint8Array] = [`a${round}`, seededBytes(round, 3_000)];
      await s.putBatch([a, [`b${round}`, seededBytes(1000 + round, 3_000)]]); // one pack, two names
      let done = false;
      const deleting = s.deleteMany([a[0]]).finally(() => (done = true));
      // Readers that keep reading until the delete is over, so some overlap each of its steps.
      const loop = async (): Promise<(Uint8Array | undefined)[]> => {
        const out: (Uint8Array | undefined)[] = [];
        while (!done) out.push(await reader.get(a[0]));
        return out;
      };
      const reads = await Promise.all([loop(), loop(), loop(), loop()]);
      await deleting;
      for (const r of reads.flat()) {
        if (r === undefined) seen.missing++;
        else {
          expect(r).toEqual(a[1]);
          seen.bytes++;
        }
      }
      expect(await reader.get(a[0])).toBeUndefined();
    }
    expect(seen.bytes).toBeGreaterThan(0);
    await reader.close();
    await s.close();
    await backend.delete(cfg(id));
  });

  it('reads the node files of stores written before packs, whatever their bytes end with', async () => {
    const id = 'plain-nodes';
    const s = await backend.create(cfg(id));
    // A node file alone is its bytes; one whose tail looks like a pack trailer but whose index
    // checksum does not match is still just its bytes, small or large.
    const lookalike = (n: number) => {
      const b = seededBytes(n, n);
      b.set(new TextEncoder().encode('CAIRNPK1'), n - 8);
      b.set([8, 0, 0, 0], n - 16);
      return b;
    };
    const plain: [string, Uint8Array][] = [
      ['p1', seededBytes(5, 100)],
      ['p2', lookalike(1_000)],
      ['p3', lookalike(100_000)],
    ];
    for (const [k, v] of plain) await writeFile(nodePath(id, k), v);
    expect(await s.getMany(plain.map(([k]) => k))).toEqual(plain.map(([, v]) => v));
    await s.close();
    await backend.delete(cfg(id));
  });

  it('a name linked to a pack that does not hold its node is store/corrupt, naming it', async () => {
    const id = 'pack-mislinked';
    const s = await backend.create(cfg(id));
    await s.putBatch([
      ['a', seededBytes(6, 100)],
      ['b', seededBytes(7, 100)],
    ]);
    await link(nodePath(id, 'a'), nodePath(id, 'c'));
    const err = await s.get('c').catch((e: unknown) => e);
    expect(isCairnError(err, 'store/corrupt')).toBe(true);
    expect((err as Error).message).toContain('"c"');
    await s.close();
    await backend.delete(cfg(id));
  });
});
