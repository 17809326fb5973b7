import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { expectCode, runStoreContract } from './contract.js';
import { createLmdbBackend, MAX_KEY_BYTES } from './lmdb.js';
import { encodeName } from './file-names.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-lmdb-store-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const backend = createLmdbBackend();
runStoreContract('lmdb', { backend: () => backend, config: (id) => ({ backend: 'lmdb', id, path: root }) });
runStoreContract('lmdb (relaxed)', { backend: () => backend, config: (id) => ({ backend: 'lmdb', id, path: root, durability: 'relaxed' }) });

describe('lmdb backend specifics', () => {
  const cfg = (id: string) => ({ backend: 'lmdb', id, path: root });
  const dirOf = (id: string) => join(root, `${encodeName(id)}.lmdb`);

  it('needs a path and a valid durability', async () => {
    await expectCode(backend.create({ backend: 'lmdb', id: 'no-path' }), 'config/invalid');
    await expectCode(backend.create({ ...cfg('d'), durability: 'sometimes' }), 'config/invalid');
  });

  it('refuses a key longer than LMDB allows, writing nothing', async () => {
    const s = await backend.create(cfg('long-key'));
    await expectCode(
      s.putBatch([
        ['ok', new Uint8Array([1])],
        ['k'.repeat(MAX_KEY_BYTES + 1), new Uint8Array([2])],
      ]),
      'store/invalid',
    );
    expect(await s.keys()).toEqual([]);
    await s.putBatch([['k'.repeat(MAX_KEY_BYTES), new Uint8Array([3])]]);
    expect(await s.get('k'.repeat(MAX_KEY_BYTES))).toEqual(new Uint8Array([3]));
    await s.close();
    await backend.delete(cfg('long-key'));
  });

  it('stores the bytes as they were when putBatch was called, though its transaction runs later', async () => {
    const s = await backend.create(cfg('copy-at-call'));
    const v = new Uint8Array([1, 2, 3]);
    const written = s.putBatch([
      ['n', v],
      ['ref:head', v],
    ]);
    v.fill(9); // the caller reuses its array before the batch settles
    await written;
    expect(await s.get('n')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await s.get('ref:head')).toEqual(new Uint8Array([1, 2, 3]));
    await s.close();
    await backend.delete(cfg('copy-at-call'));
  });

  it('deleteManyIf deletes only while the guard key holds the expected bytes', async () => {
    const s = await backend.create(cfg('fence'));
    const store = s as typeof s & { deleteManyIf(keys: string[], cas: { key: string; expected: Uint8Array | undefined }): Promise<void> };
    await s.putBatch([
      ['n1', new Uint8Array([1])],
      ['n2', new Uint8Array([2])],
      ['ref:head', new Uint8Array([7])],
    ]);
    await expectCode(store.deleteManyIf(['n1'], { key: 'ref:head', expected: new Uint8Array([8]) }), 'store/conflict');
    expect(await s.get('n1')).toEqual(new Uint8Array([1]));
    await store.deleteManyIf(['n1', 'absent'], { key: 'ref:head', expected: new Uint8Array([7]) });
    expect((await s.keys()).sort()).toEqual(['n2', 'ref:head']);
    await s.close();
    await expectCode(store.deleteManyIf(['n2'], { key: 'ref:head', expected: undefined }), 'store/closed');
    await backend.delete(cfg('fence'));
  });

  it('keeps nodes, refs and the marker in their own sub-databases', async () => {
    const s = await backend.create(cfg('layout'));
    await s.putBatch([
      ['n:1', new Uint8Array([1])],
      ['ref:head/main', new Uint8Array([2])],
    ]);
    await s.close();
    const env = open({ path: dirOf('layout'), maxDbs: 8, noSubdir: false });
    const sub = (name: string) => env.openDB(name, { encoding: 'binary', keyEncoding: 'binary' });
    const keysOf = (name: string) => [...sub(name).getKeys()].map((k) => (k as Buffer).toString());
    expect(keysOf('nodes')).toEqual(['n:1']);
    expect(keysOf('refs')).toEqual(['ref:head/main']);
    expect(keysOf('meta')).toEqual(['format']);
    expect(JSON.parse(sub('meta').getBinary(Buffer.from('format'))!.toString())).toEqual({ format: 'cairndb-store', version: 1 });
    await env.close();
    await backend.delete(cfg('layout'));
  });

  it('refuses a store written by a newer format', async () => {
    await (await backend.create(cfg('newer'))).close();
    const env = open({ path: dirOf('newer'), maxDbs: 8, noSubdir: false });
    await env
      .openDB('meta', { encoding: 'binary', keyEncoding: 'binary' })
      .put(Buffer.from('format'), Buffer.from(JSON.stringify({ format: 'cairndb-store', version: 99 })));
    await env.close();
    await expectCode(backend.connect(cfg('newer')), 'store/format-version');
    await backend.delete(cfg('newer'));
  });

  it('create after an interrupted create starts empty; delete removes the directory', async () => {
    const s = await backend.create(cfg('half'));
    await s.putBatch([
      ['n', new Uint8Array([1])],
      ['ref:head', new Uint8Array([2])],
    ]);
    await s.close();
    // what a create killed before its marker leaves behind: keys, no marker
    const env = open({ path: dirOf('half'), maxDbs: 8, noSubdir: false });
    await env.openDB('meta', { encoding: 'binary', keyEncoding: 'binary' }).remove(Buffer.from('format'));
    await env.close();
    expect(await backend.exists(cfg('half'))).toBe(false);
    const again = await backend.create(cfg('half'));
    expect(await again.keys()).toEqual([]);
    await again.close();
    await backend.delete(cfg('half'));
    expect(await readdir(root)).not.toContain(`${encodeName('half')}.lmdb`);
  });

  it('two backend instances (as two processes would) share one store and its CAS', async () => {
    const other = createLmdbBackend();
    const a = await backend.create(cfg('shared'));
    const b = await other.connect(cfg('shared'));
    await a.putBatch([['ref:head', new Uint8Array([1])]]);
    expect(await b.get('ref:head')).toEqual(new Uint8Array([1]));
    await expectCode(b.putBatch([['ref:head', new Uint8Array([9])]], { cas: { key: 'ref:head', expected: undefined } }), 'store/conflict');
    await b.putBatch([['ref:head', new Uint8Array([2])]], { cas: { key: 'ref:head', expected: new Uint8Array([1]) } });
    expect(await a.get('ref:head')).toEqual(new Uint8Array([2]));
    await b.close();
    expect(await a.get('ref:head')).toEqual(new Uint8Array([2]));
    await a.close();
    await backend.delete(cfg('shared'));
  });
});
