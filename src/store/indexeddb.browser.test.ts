// The IndexedDB backend in real Chromium: the shared contract, the on-disk layout,
// persistence across backend instances (a page reload), and the failure paths, with quota
// and dropped connections simulated by patching the IDB prototypes for one call.
import { afterEach, describe, expect, it } from 'vitest';
import { expectCode, runStoreContract } from './contract.js';
import { createIndexedDbBackend, idbName } from './indexeddb.js';
import type { StoreConfig } from './types.js';

const backend = createIndexedDbBackend();
runStoreContract('indexeddb', { backend: () => backend, config: (id) => ({ backend: 'indexeddb', id }) });
runStoreContract('indexeddb (strict)', { backend: () => backend, config: (id) => ({ backend: 'indexeddb', id, durability: 'strict' }) });

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
let n = 0;
const made: StoreConfig[] = [];
const fresh = (): StoreConfig => {
  const c = { backend: 'indexeddb', id: `idb-specific-${n++}` };
  made.push(c);
  return c;
};
const restores: (() => void)[] = [];
/** Replace `proto[name]` until the end of the test. */
function patch<T extends object, K extends keyof T>(proto: T, name: K, make: (original: T[K]) => T[K]): void {
  const original = proto[name];
  proto[name] = make(original);
  restores.push(() => {
    proto[name] = original;
  });
}
afterEach(async () => {
  for (const r of restores.splice(0)) r();
  for (const c of made.splice(0)) await backend.delete(c);
});

function rawOpen(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** A database `name` at IDB `version` with the two object stores and nothing else (an older or newer layout). */
function createLayout(name: string, version: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const r = indexedDB.open(name, version);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('nodes');
      r.result.createObjectStore('refs');
    };
    r.onsuccess = () => {
      r.result.close();
      resolve();
    };
    r.onerror = () => reject(r.error);
  });
}

describe('indexeddb backend specifics', () => {
  it('uses one database cairn:v1:<id> at IDB version 2 with nodes and refs, refs indexed by writer', async () => {
    const c = fresh();
    const s = await backend.create(c);
    await s.putBatch([
      ['n1', bytes('node')],
      ['ref:head', bytes('head')],
    ]);
    await s.close();
    expect(idbName(c.id)).toBe(`cairn:v1:${c.id}`);
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).toContain(`cairn:v1:${c.id}`);
    const raw = await rawOpen(idbName(c.id));
    expect(raw.version).toBe(2);
    expect([...raw.objectStoreNames].sort()).toEqual(['nodes', 'refs']);
    const tx = raw.transaction(['nodes', 'refs']);
    const writer = tx.objectStore('refs').index('writer');
    expect([writer.keyPath, writer.unique]).toEqual(['w', true]);
    const [nodeKeys, refKeys] = await Promise.all(
      ['nodes', 'refs'].map(
        (s) =>
          new Promise<IDBValidKey[]>((res) => {
            const r = tx.objectStore(s).getAllKeys();
            r.onsuccess = () => res(r.result);
          }),
      ),
    );
    expect(nodeKeys).toEqual(['n1']);
    expect(refKeys).toEqual(['ref:head']);
    raw.close();
  });

  it.each([
    ['relaxed by default', {}, 'relaxed'],
    ['strict on request', { durability: 'strict' }, 'strict'],
  ] as const)('putBatch is one readwrite transaction over both stores, %s', async (_name, extra, durability) => {
    const c = { ...fresh(), ...extra };
    made.push(c);
    const s = await backend.create(c);
    await s.putBatch([['ref:head', bytes('h0')]]);
    const seen: { stores: string[]; mode: string | undefined; durability: string | undefined }[] = [];
    patch(
      IDBDatabase.prototype,
      'transaction',
      (transaction) =>
        function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
          const [stores, mode, options] = args;
          seen.push({ stores: (typeof stores === 'string' ? [stores] : [...stores]).sort(), mode, durability: options?.durability });
          return transaction.apply(this, args);
        } as IDBDatabase['transaction'],
    );
    const batch: [string, Uint8Array][] = [];
    for (let i = 0; i < 100; i++) batch.push([`n${i}`, bytes(String(i))]);
    batch.push(['ref:head', bytes('h1')]);
    await s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h0') } });
    expect(seen).toEqual([{ stores: ['nodes', 'refs'], mode: 'readwrite', durability }]);
    seen.length = 0;
    await s.getMany(batch.map(([k]) => k));
    expect(seen).toEqual([{ stores: ['nodes', 'refs'], mode: 'readonly', durability: undefined }]);
    await s.close();
  });

  it('two connections (as two tabs) racing a CAS on one head: exactly one wins', async () => {
    const c = fresh();
    const a = await backend.create(c);
    await a.putBatch([['ref:head', bytes('base')]]);
    const b = await createIndexedDbBackend().connect(c);
    const attempt = (s: typeof a, name: string) =>
      s
        .putBatch(
          [
            [`${name}-node`, bytes(name)],
            ['ref:head', bytes(name)],
          ],
          { cas: { key: 'ref:head', expected: bytes('base') } },
        )
        .then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        );
    const results = await Promise.all([attempt(a, 'a1'), attempt(b, 'b1'), attempt(a, 'a2'), attempt(b, 'b2')]);
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'store/conflict')).toHaveLength(3);
    const head = text(await b.get('ref:head'))!;
    expect((await a.keys()).sort()).toEqual([`${head}-node`, 'ref:head']);
    await a.close();
    await b.close();
  });

  describe('fenced puts (a handle extending its own head writes without reading it)', () => {
    /** Counts `get` calls on the `refs` object store until the end of the test. */
    function countHeadReads(): { n: number } {
      const count = { n: 0 };
      patch(
        IDBObjectStore.prototype,
        'get',
        (get) =>
          function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['get']>) {
            if (this.name === 'refs') count.n++;
            return get.apply(this, args);
          } as IDBObjectStore['get'],
      );
      return count;
    }
    const fences = async (id: string): Promise<string[]> => {
      const raw = await rawOpen(idbName(id));
      const keys = await new Promise<IDBValidKey[]>((res) => {
        const r = raw.transaction('refs').objectStore('refs').getAllKeys();
        r.onsuccess = () => res(r.result);
      });
      raw.close();
      return (keys as string[]).filter((k) => !k.startsWith('ref:'));
    };
    const cas = (expected: string) => ({ cas: { key: 'ref:head', expected: bytes(expected) } });

    it('reads the head for the first guarded put, not for the next ones on its own head', async () => {
      const c = fresh();
      const a = await backend.create(c);
      await a.putBatch([['ref:head', bytes('h0')]]);
      const reads = countHeadReads();
      await a.putBatch([['ref:head', bytes('h1')]], cas('h0'));
      expect(reads.n).toBe(1);
      await a.putBatch(
        [
          ['n2', bytes('node')],
          ['ref:head', bytes('h2')],
        ],
        cas('h1'),
      );
      await a.putBatch([['ref:head', bytes('h3')]], cas('h2'));
      expect(reads.n).toBe(1);
      // a wrong expectation is still a conflict, and writes nothing
      await expectCode(
        a.putBatch(
          [
            ['n9', bytes('x')],
            ['ref:head', bytes('h9')],
          ],
          cas('h1'),
        ),
        'store/conflict',
      );
      expect(text(await a.get('ref:head'))).toBe('h3');
      expect((await a.getMany(['ref:head', 'n2'])).map(text)).toEqual(['h3', 'node']);
      expect((await a.keys()).sort()).toEqual(['n2', 'ref:head']);
      await a.close();
    });

    it('a handle whose head another replaced cannot write blind: refused in IndexedDB, reported as a conflict', async () => {
      const c = fresh();
      const a = await backend.create(c);
      const b = await createIndexedDbBackend().connect(c);
      await a.putBatch([['ref:head', bytes('h0')]]);
      await a.putBatch([['ref:head', bytes('a1')]], cas('h0')); // a's token now on the head
      await b.putBatch(
        [
          ['b-node', bytes('b')],
          ['ref:head', bytes('b2')],
        ],
        cas('a1'),
      ); // fences a's token
      expect(await fences(c.id)).toHaveLength(1);
      // a still believes the head is a1: its put without a read must not land
      await expectCode(
        a.putBatch(
          [
            ['a-node', bytes('a')],
            ['ref:head', bytes('a3')],
          ],
          cas('a1'),
        ),
        'store/conflict',
      );
      expect(text(await b.get('ref:head'))).toBe('b2');
      expect((await a.keys()).sort()).toEqual(['b-node', 'ref:head']);
      // a rebases on b2 (its old token is fenced for good: it writes under a new one) and both go on
      await a.putBatch([['ref:head', bytes('a4')]], cas('b2'));
      await expectCode(b.putBatch([['ref:head', bytes('b5')]], cas('b2')), 'store/conflict');
      await b.putBatch([['ref:head', bytes('b6')]], cas('a4'));
      expect(text(await a.get('ref:head'))).toBe('b6');
      await a.close();
      await b.close();
    });

    it("a fence goes once its writer's lock is released, not before", async () => {
      const c = fresh();
      const a = await backend.create(c);
      const b = await createIndexedDbBackend().connect(c);
      await a.putBatch([['ref:head', bytes('h0')]]);
      await a.putBatch([['ref:head', bytes('a1')]], cas('h0'));
      await b.putBatch([['ref:head', bytes('b1')]], cas('a1')); // fences a (alive: kept)
      await b.putBatch([['ref:head', bytes('b2')]], cas('b1'));
      expect(await fences(c.id)).toHaveLength(1);
      await a.close(); // a's token is dead now
      const d = await createIndexedDbBackend().connect(c);
      await d.putBatch([['ref:head', bytes('d3')]], cas('b2')); // fences b, then sweeps
      for (let i = 0; i < 100 && (await fences(c.id)).length !== 1; i++) await new Promise((r) => setTimeout(r, 10));
      const left = await fences(c.id);
      expect(left).toHaveLength(1); // b's: b is alive
      await expectCode(b.putBatch([['ref:head', bytes('b4')]], cas('b2')), 'store/conflict');
      expect(text(await d.get('ref:head'))).toBe('d3');
      await b.close();
      await d.close();
    });

    it('a layout 1 database (no writer index) still opens and guards every put by reading the head', async () => {
      const c = fresh();
      await createLayout(idbName(c.id), 1);
      const a = await backend.connect(c);
      await a.putBatch([['ref:head', bytes('h0')]]);
      const reads = countHeadReads();
      await a.putBatch([['ref:head', bytes('h1')]], cas('h0'));
      await a.putBatch([['ref:head', bytes('h2')]], cas('h1'));
      expect(reads.n).toBe(2);
      await expectCode(a.putBatch([['ref:head', bytes('h9')]], cas('h1')), 'store/conflict');
      expect(text(await a.get('ref:head'))).toBe('h2');
      await a.close();
    });
  });

  it('persists across backend instances (a reload)', async () => {
    const c = fresh();
    const s = await backend.create(c);
    await s.putBatch([
      ['n', bytes('kept')],
      ['ref:head', bytes('h')],
    ]);
    await s.close();
    const reloaded = createIndexedDbBackend();
    expect(await reloaded.exists(c)).toBe(true);
    const again = await reloaded.connect(c);
    expect(text(await again.get('n'))).toBe('kept');
    expect(text(await again.get('ref:head'))).toBe('h');
    await again.close();
  });

  // Two ways a write fails for lack of space: a put throws QuotaExceededError, or (Chrome near
  // its quota) the browser aborts the transaction at commit, after the last put, with a bare
  // AbortError. `at` is the put of the batch (a, b, c, then the head) that fails.
  const quotaFailures: { name: string; at: number; fail: (store: IDBObjectStore, put: () => IDBRequest) => IDBRequest }[] = [
    {
      name: 'a QuotaExceededError',
      at: 3,
      fail: () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
    },
    {
      name: "Chrome's bare AbortError near quota",
      at: 4,
      fail: (store, put) => {
        const req = put();
        store.transaction.abort(); // the browser aborting the commit
        return req;
      },
    },
  ];
  for (const failure of quotaFailures) {
    it(`maps ${failure.name} to store/quota, writes nothing and keeps working`, async () => {
      const c = fresh();
      const s = await backend.create(c);
      await s.putBatch([
        ['ref:head', bytes('h1')],
        ['old', bytes('o')],
      ]);
      let calls = 0;
      patch(
        IDBObjectStore.prototype,
        'put',
        (put) =>
          function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
            return ++calls === failure.at ? failure.fail(this, () => put.apply(this, args)) : put.apply(this, args);
          },
      );
      const batch: [string, Uint8Array][] = [
        ['a', bytes('A')],
        ['b', bytes('B')],
        ['c', bytes('C')],
        ['ref:head', bytes('h2')],
      ];
      await expectCode(s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h1') } }), 'store/quota');
      for (const r of restores.splice(0)) r();
      expect((await s.keys()).sort()).toEqual(['old', 'ref:head']);
      expect(text(await s.get('ref:head'))).toBe('h1');
      // and the store keeps working afterwards
      await s.putBatch(batch, { cas: { key: 'ref:head', expected: bytes('h1') } });
      expect(text(await s.get('ref:head'))).toBe('h2');
      await s.close();
    });
  }

  it('reopens and retries once when the connection is closing', async () => {
    const c = fresh();
    const s = await backend.create(c);
    let dropped = 0;
    patch(
      IDBDatabase.prototype,
      'transaction',
      (transaction) =>
        function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
          if (dropped++ === 0) this.close(); // as if the browser dropped it: the call now throws InvalidStateError
          return transaction.apply(this, args);
        } as IDBDatabase['transaction'],
    );
    await s.putBatch([
      ['n', bytes('1')],
      ['ref:head', bytes('h')],
    ]);
    expect(dropped).toBe(2);
    expect(text(await s.get('ref:head'))).toBe('h');
    await s.close();
  });

  it('gives up after one retry with a clear error', async () => {
    const c = fresh();
    const s = await backend.create(c);
    patch(
      IDBDatabase.prototype,
      'transaction',
      (transaction) =>
        function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
          this.close();
          return transaction.apply(this, args);
        } as IDBDatabase['transaction'],
    );
    await expectCode(s.get('x'), 'store/io');
    for (const r of restores.splice(0)) r();
    expect(await s.get('x')).toBeUndefined();
    await s.close();
  });

  it('closes on versionchange when another connection deletes the database', async () => {
    const c = fresh();
    const s = await backend.create(c);
    await s.putBatch([['n', bytes('1')]]);
    const other = createIndexedDbBackend();
    await other.delete(c); // would hang if our handle did not close on versionchange
    await expectCode(s.get('n'), 'store/closed');
    expect(await backend.exists(c)).toBe(false);
  });

  it('reports store/unavailable without IndexedDB or when open is refused', async () => {
    const none = createIndexedDbBackend({ factory: () => undefined });
    await expectCode(none.create({ backend: 'indexeddb', id: 'x' }), 'store/unavailable');
    await expectCode(none.connect({ backend: 'indexeddb', id: 'x' }), 'store/unavailable');
    const refusing = createIndexedDbBackend({
      factory: () =>
        ({
          ...indexedDB,
          open: () => {
            throw new DOMException('denied', 'SecurityError');
          },
        }) as unknown as IDBFactory,
    });
    await expectCode(refusing.create({ backend: 'indexeddb', id: 'x' }), 'store/unavailable');
  });

  it('refuses a database with a newer layout version', async () => {
    const c = fresh();
    await createLayout(idbName(c.id), 3);
    await expectCode(backend.connect(c), 'store/format-version');
    await expectCode(backend.create(c), 'store/format-version');
  });

  it('refuses a store kept by a newer format (another database name)', async () => {
    const id = `idb-newer-${n++}`;
    await new Promise<void>((resolve, reject) => {
      const r = indexedDB.open(`cairn:v2:${id}`, 1);
      r.onsuccess = () => {
        r.result.close();
        resolve();
      };
      r.onerror = () => reject(r.error);
    });
    const c = { backend: 'indexeddb', id };
    expect(await backend.exists(c)).toBe(true);
    await expectCode(backend.connect(c), 'store/format-version');
    await expectCode(backend.create(c), 'store/format-version');
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(idbName(id));
    await new Promise((r) => {
      indexedDB.deleteDatabase(`cairn:v2:${id}`).onsuccess = r;
    });
  });

  it('reports a stored value that is not bytes as store/corrupt naming the key', async () => {
    const c = fresh();
    (await backend.create(c)).close();
    const raw = await rawOpen(idbName(c.id));
    await new Promise<void>((resolve) => {
      const tx = raw.transaction('nodes', 'readwrite');
      tx.objectStore('nodes').put('not bytes', 'node-9');
      tx.oncomplete = () => resolve();
    });
    raw.close();
    const s = await backend.connect(c);
    try {
      await s.get('node-9');
      expect.unreachable();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('store/corrupt');
      expect((e as Error).message).toContain('"node-9"');
    }
    await expectCode(s.getMany(['x', 'node-9']), 'store/corrupt');
    await s.close();
  });

  it('rejects a bad durability option', async () => {
    await expectCode(backend.create({ backend: 'indexeddb', id: 'd', durability: 'fast' }), 'config/invalid');
  });
});
