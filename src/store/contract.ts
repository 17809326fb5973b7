// The store contract suite, written once and run against every backend (docs/architecture.md, conventions):
// `runStoreContract(name, target)` registers vitest tests for `target`. Node runs it for
// memory, file and the example backend; real Chromium runs it for IndexedDB.
//
// Each test uses fresh store ids and deletes its stores afterwards, so targets may share one
// backend instance and one directory/profile across tests.

import { afterEach, describe, expect, it } from 'vitest';
import { isCairnError, type ErrorCode } from '../util/errors.js';
import { seededBytes } from './contract-data.js';
import { refKey } from './keys.js';
import type { Backend, Store, StoreConfig } from './types.js';

export interface ContractTarget {
  /** The backend under test (may return the same instance every time). */
  backend(): Backend | Promise<Backend>;
  /** A config for the store called `id`, with any backend-specific options. */
  config(id: string): StoreConfig;
}

const enc = /* @__PURE__ */ new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const HEAD = /* @__PURE__ */ refKey('head');
export { seededBytes };

export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (!isCairnError(err, code)) {
    throw new Error(`expected CairnError ${code}, got ${err === undefined ? 'success' : String((err as Error)?.stack ?? err)}`);
  }
}

function expectExact(v: Uint8Array | undefined, want: Uint8Array): void {
  expect(v).toBeDefined();
  expect(v!.constructor).toBe(Uint8Array);
  expect(v!.byteOffset).toBe(0);
  expect(v!.buffer.byteLength).toBe(want.length);
  expect(Array.from(v!)).toEqual(Array.from(want));
}

export function runStoreContract(name: string, target: ContractTarget): void {
  describe(`store contract: ${name}`, () => {
    let counter = 0;
    const made: StoreConfig[] = [];
    const open: Store[] = [];

    const fresh = (): StoreConfig => {
      const c = target.config(`contract-${name}-${Date.now().toString(36)}-${counter++}`);
      made.push(c);
      return c;
    };
    const create = async (c = fresh()): Promise<Store> => {
      const s = await (await target.backend()).create(c);
      open.push(s);
      return s;
    };
    const connect = async (c: StoreConfig): Promise<Store> => {
      const s = await (await target.backend()).connect(c);
      open.push(s);
      return s;
    };

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      const b = await target.backend();
      for (const c of made.splice(0)) await b.delete(c);
    });

    it('round-trips values of many sizes as fresh exact-length arrays', async () => {
      const s = await create();
      const cases: [string, Uint8Array][] = [
        ['empty', new Uint8Array(0)],
        ['one', new Uint8Array([7])],
        ['small', seededBytes(1, 100)],
        ['large', seededBytes(2, 300_000)],
        [refKey('head'), seededBytes(3, 40)],
      ];
      // Put a view into a bigger buffer: only the view's bytes may be stored.
      const big = seededBytes(4, 64);
      cases.push(['view', big.subarray(10, 20)]);
      await s.putBatch(cases);
      for (const [k, v] of cases) expectExact(await s.get(k), v);
      expect(await s.get('absent')).toBeUndefined();
      expect(await s.get(refKey('absent'))).toBeUndefined();
    });

    it('copies bytes in and out: callers cannot alias stored values', async () => {
      const s = await create();
      const v = bytes('original');
      await s.putBatch([
        ['k', v],
        [HEAD, v],
      ]);
      v[0] = 0;
      const got = (await s.get('k'))!;
      got[1] = 0;
      expect(new TextDecoder().decode(await s.get('k'))).toBe('original');
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('original');
    });

    it('getMany returns one entry per key in request order', async () => {
      const s = await create();
      await s.putBatch([
        ['a', bytes('A')],
        ['b', bytes('B')],
        [refKey('r'), bytes('R')],
      ]);
      const got = await s.getMany(['b', 'missing', 'a', refKey('r'), 'b', refKey('none')]);
      expect(got.map((v) => (v === undefined ? undefined : new TextDecoder().decode(v)))).toEqual(['B', undefined, 'A', 'R', 'B', undefined]);
      expect(await s.getMany([])).toEqual([]);
      for (const v of got) if (v !== undefined) expectExact(v, v.slice());
    });

    it('applies a batch in order: a repeated key ends with its last value', async () => {
      const s = await create();
      await s.putBatch([
        [HEAD, bytes('1')],
        ['n', bytes('x')],
        [HEAD, bytes('2')],
      ]);
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('2');
      await s.putBatch([]);
      expect((await s.keys()).sort()).toEqual(['n', HEAD].sort());
    });

    it('overwrites refs in place', async () => {
      const s = await create();
      for (let i = 0; i < 5; i++) await s.putBatch([[HEAD, bytes(`v${i}`)]]);
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('v4');
    });

    it('compare-and-set: absent expected, match, mismatch', async () => {
      const s = await create();
      await s.putBatch(
        [
          ['n1', bytes('node1')],
          [HEAD, bytes('h1')],
        ],
        { cas: { key: HEAD, expected: undefined } },
      );
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('h1');
      // absent expected but present -> conflict
      await expectCode(
        s.putBatch(
          [
            ['n2', bytes('node2')],
            [HEAD, bytes('h2')],
          ],
          { cas: { key: HEAD, expected: undefined } },
        ),
        'store/conflict',
      );
      // mismatch -> conflict, same length, different bytes
      await expectCode(
        s.putBatch(
          [
            ['n2', bytes('node2')],
            [HEAD, bytes('h2')],
          ],
          { cas: { key: HEAD, expected: bytes('h0') } },
        ),
        'store/conflict',
      );
      // a prefix is not equal
      await expectCode(s.putBatch([[HEAD, bytes('h2')]], { cas: { key: HEAD, expected: bytes('h') } }), 'store/conflict');
      // match -> applied
      await s.putBatch(
        [
          ['n2', bytes('node2')],
          [HEAD, bytes('h2')],
        ],
        { cas: { key: HEAD, expected: bytes('h1') } },
      );
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('h2');
      expect(new TextDecoder().decode(await s.get('n2'))).toBe('node2');
    });

    it('a failing compare-and-set writes nothing from its batch', async () => {
      const s = await create();
      await s.putBatch([
        [HEAD, bytes('h1')],
        ['old', bytes('o')],
      ]);
      const before = (await s.keys()).sort();
      const batch: [string, Uint8Array][] = [];
      for (let i = 0; i < 50; i++) batch.push([`new-${i}`, seededBytes(i + 10, 200)]);
      batch.push([refKey('other'), bytes('x')], [HEAD, bytes('h2')]);
      await expectCode(s.putBatch(batch, { cas: { key: HEAD, expected: bytes('nope') } }), 'store/conflict');
      expect((await s.keys()).sort()).toEqual(before);
      expect(await s.get('new-0')).toBeUndefined();
      expect(await s.get(refKey('other'))).toBeUndefined();
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('h1');
    });

    it('concurrent compare-and-set batches on one head: exactly one wins', async () => {
      const s = await create();
      await s.putBatch([[HEAD, bytes('base')]]);
      const tries = [1, 2, 3, 4].map((i) =>
        s
          .putBatch(
            [
              [`n${i}`, bytes(`node${i}`)],
              [HEAD, bytes(`h${i}`)],
            ],
            { cas: { key: HEAD, expected: bytes('base') } },
          )
          .then(
            () => 'ok',
            (e: unknown) => (isCairnError(e, 'store/conflict') ? 'conflict' : `error ${String(e)}`),
          ),
      );
      const results = await Promise.all(tries);
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === 'conflict')).toHaveLength(3);
      const winner = results.indexOf('ok') + 1;
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe(`h${winner}`);
      const nodes = (await s.keys()).filter((k) => k.startsWith('n')).sort();
      expect(nodes).toEqual([`n${winner}`]);
    });

    it('deleteMany removes nodes and refs, ignoring absent keys', async () => {
      const s = await create();
      await s.putBatch([
        ['a', bytes('A')],
        ['b', bytes('B')],
        [HEAD, bytes('H')],
        [refKey('x'), bytes('X')],
      ]);
      await s.deleteMany(['a', HEAD, 'never', refKey('never')]);
      expect(await s.get('a')).toBeUndefined();
      expect(await s.get(HEAD)).toBeUndefined();
      expect((await s.keys()).sort()).toEqual(['b', refKey('x')].sort());
      await s.deleteMany([]);
      // a deleted ref can be CAS-created again
      await s.putBatch([[HEAD, bytes('again')]], { cas: { key: HEAD, expected: undefined } });
      expect(new TextDecoder().decode(await s.get(HEAD))).toBe('again');
    });

    it('deleteManyIf deletes only while the guard holds, else store/conflict and nothing deleted', async () => {
      const s = await create();
      expect(typeof s.deleteManyIf).toBe('function'); // gcStorage needs it (docs/backends.md)
      await s.putBatch([
        ['a', bytes('A')],
        ['b', bytes('B')],
        ['c', bytes('C')],
        [HEAD, bytes('h1')],
      ]);
      await expectCode(s.deleteManyIf!(['a', 'b'], { key: HEAD, expected: bytes('h0') }), 'store/conflict');
      await expectCode(s.deleteManyIf!(['a'], { key: HEAD, expected: undefined }), 'store/conflict');
      await expectCode(s.deleteManyIf!(['a'], { key: HEAD, expected: bytes('h') }), 'store/conflict');
      expect((await s.keys()).sort()).toEqual(['a', 'b', 'c', HEAD].sort());
      await s.deleteManyIf!(['a', 'b', 'never'], { key: HEAD, expected: bytes('h1') });
      expect((await s.keys()).sort()).toEqual(['c', HEAD].sort());
      await s.deleteManyIf!(['c'], { key: refKey('absent'), expected: undefined });
      expect(await s.keys()).toEqual([HEAD]);
      await expectCode(s.deleteManyIf!([7 as unknown as string], { key: HEAD, expected: bytes('h1') }), 'store/invalid');
      await expectCode(s.deleteManyIf!(['x'], { key: '', expected: undefined }), 'store/invalid');
      await expectCode(s.deleteManyIf!(['x'], { key: HEAD, expected: 'h1' as unknown as Uint8Array }), 'store/invalid');
    });

    it('deleteManyIf never interleaves with a guarded putBatch: a re-put node survives', async () => {
      // GC's fence. A writer re-puts node `g` (same bytes) in the batch that moves the head,
      // racing a sweep of `g` guarded by the old head: either the sweep runs first (then the
      // batch must write `g` again, not skip it as existing) or the batch does (then the sweep
      // must fail). Either way the new head's node is there. Two handles, as two writers.
      const c = fresh();
      const a = await create(c);
      const b = await connect(c);
      for (let round = 0; round < 20; round++) {
        const g = `g${round % 3}`;
        const base = bytes(`h${round}`);
        await a.putBatch([
          [g, bytes(`node ${g}`)],
          [HEAD, base],
        ]);
        const [put, del] = await Promise.allSettled([
          a.putBatch(
            [
              [g, bytes(`node ${g}`)],
              [HEAD, bytes(`h${round + 1}`)],
            ],
            { cas: { key: HEAD, expected: base } },
          ),
          b.deleteManyIf!([g, 'other'], { key: HEAD, expected: base }),
        ]);
        expect(put.status).toBe('fulfilled');
        if (del.status === 'rejected') expect(isCairnError(del.reason, 'store/conflict')).toBe(true);
        expect(new TextDecoder().decode(await b.get(HEAD))).toBe(`h${round + 1}`);
        expect(new TextDecoder().decode(await b.get(g))).toBe(`node ${g}`);
      }
    });

    it('keys() lists every node and ref, including awkward key strings', async () => {
      const s = await create();
      const awkward = [
        'a/b',
        '../up',
        'Case',
        'case',
        'ünï☃de',
        'sp ace',
        '.',
        '..',
        'x'.repeat(600),
        `${'y'.repeat(300)}+`,
        '%41~7e',
        'CON',
        refKey('heads/db'),
        refKey('Ref/Ü'),
      ];
      await s.putBatch(awkward.map((k, i) => [k, seededBytes(i + 100, i + 1)] as const));
      expect((await s.keys()).sort()).toEqual([...awkward].sort());
      for (let i = 0; i < awkward.length; i++) expectExact(await s.get(awkward[i]!), seededBytes(i + 100, i + 1));
    });

    it('holds a thousand-entry batch', async () => {
      const s = await create();
      const batch: [string, Uint8Array][] = [];
      for (let i = 0; i < 1000; i++) batch.push([`node-${i}`, seededBytes(i + 1, 64)]);
      batch.push([HEAD, bytes('h')]);
      await s.putBatch(batch, { cas: { key: HEAD, expected: undefined } });
      expect((await s.keys()).length).toBe(1001);
      const got = await s.getMany(batch.map(([k]) => k));
      got.forEach((v, i) => expectExact(v, batch[i]![1]));
    });

    it('rejects bad arguments with store/invalid and writes nothing', async () => {
      const s = await create();
      await s.putBatch([[HEAD, bytes('h')]]);
      const bad: unknown[] = [
        [
          ['ok', bytes('1')],
          ['bad', 'not bytes'],
        ],
        [
          ['ok', bytes('1')],
          ['', bytes('2')],
        ],
        [
          ['ok', bytes('1')],
          [42, bytes('2')],
        ],
        [['ok', bytes('1')], ['only-key']],
        [
          ['ok', bytes('1')],
          ['lone \ud800 surrogate', bytes('2')],
        ],
      ];
      for (const entries of bad) {
        await expectCode(s.putBatch(entries as [string, Uint8Array][]), 'store/invalid');
      }
      await expectCode(s.get(7 as unknown as string), 'store/invalid');
      await expectCode(s.getMany(['a', null as unknown as string]), 'store/invalid');
      await expectCode(s.deleteMany([undefined as unknown as string]), 'store/invalid');
      expect(await s.keys()).toEqual([HEAD]);
    });

    it('close() makes every call reject with store/closed', async () => {
      const s = await create();
      await s.putBatch([['a', bytes('A')]]);
      await s.close();
      await s.close();
      await expectCode(s.get('a'), 'store/closed');
      await expectCode(s.getMany(['a']), 'store/closed');
      await expectCode(s.putBatch([['b', bytes('B')]]), 'store/closed');
      await expectCode(s.deleteMany(['a']), 'store/closed');
      await expectCode(s.deleteManyIf!(['a'], { key: HEAD, expected: undefined }), 'store/closed');
      await expectCode(s.keys(), 'store/closed');
    });

    it('persists across close and reconnect', async () => {
      const c = fresh();
      const s = await create(c);
      await s.putBatch([
        ['n', seededBytes(9, 1000)],
        [HEAD, bytes('h')],
      ]);
      await s.close();
      const again = await connect(c);
      expectExact(await again.get('n'), seededBytes(9, 1000));
      expect(new TextDecoder().decode(await again.get(HEAD))).toBe('h');
      expect((await again.keys()).sort()).toEqual(['n', HEAD].sort());
    });

    it("two handles on one store see each other's writes", async () => {
      const c = fresh();
      const a = await create(c);
      const b = await connect(c);
      await a.putBatch([[HEAD, bytes('from-a')]]);
      expect(new TextDecoder().decode(await b.get(HEAD))).toBe('from-a');
      await expectCode(b.putBatch([[HEAD, bytes('x')]], { cas: { key: HEAD, expected: undefined } }), 'store/conflict');
    });

    it('lifecycle: exists, create on existing -> db/exists, connect missing -> db/missing', async () => {
      const backend = await target.backend();
      const c = fresh();
      expect(await backend.exists(c)).toBe(false);
      await expectCode(backend.connect(c), 'db/missing');
      expect(await backend.exists(c)).toBe(false);
      await create(c);
      expect(await backend.exists(c)).toBe(true);
      await expectCode(backend.create(c), 'db/exists');
      // a different id is a different store
      const other = fresh();
      expect(await backend.exists(other)).toBe(false);
    });

    it('delete removes every key; the id can be created again empty', async () => {
      const backend = await target.backend();
      const c = fresh();
      const s = await create(c);
      await s.putBatch([
        ['n1', bytes('1')],
        ['n2', bytes('2')],
        [HEAD, bytes('h')],
      ]);
      await s.close();
      await backend.delete(c);
      expect(await backend.exists(c)).toBe(false);
      await expectCode(backend.connect(c), 'db/missing');
      await backend.delete(c); // no-op when absent
      const again = await create(c);
      expect(await again.keys()).toEqual([]);
      expect(await again.get('n1')).toBeUndefined();
    });

    it('deleting a store closes its open handles', async () => {
      const backend = await target.backend();
      const c = fresh();
      const s = await create(c);
      await s.putBatch([['n', bytes('1')]]);
      await backend.delete(c);
      await expectCode(s.get('n'), 'store/closed');
      expect(await backend.exists(c)).toBe(false);
    });
  });
}
