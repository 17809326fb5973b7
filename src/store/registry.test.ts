import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCairnError } from '../util/errors.js';
import { expectCode } from './contract.js';
import {
  BackendRegistry,
  createMemoryBackend,
  lazyBackend,
  createStore,
  defaultRegistry,
  deleteStore,
  openStore,
  storeExists,
  withBuiltins,
  type Backend,
  type CodecHandler,
} from './index.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-registry-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('BackendRegistry', () => {
  it('throws store/unknown-backend naming the backend', async () => {
    const r = new BackendRegistry();
    try {
      r.get('s3');
      expect.unreachable();
    } catch (e) {
      expect(isCairnError(e, 'store/unknown-backend')).toBe(true);
      expect((e as Error).message).toContain('"s3"');
    }
    await expectCode(r.create({ backend: 'nope', id: 'x' }), 'store/unknown-backend');
    await expectCode(r.open({ backend: 'nope', id: 'x' }), 'store/unknown-backend');
  });

  it('is isolated per instance', () => {
    const a = new BackendRegistry();
    const b = new BackendRegistry();
    a.register('mine', createMemoryBackend());
    expect(a.has('mine')).toBe(true);
    expect(b.has('mine')).toBe(false);
    expect(defaultRegistry.has('mine')).toBe(false);
  });

  const badBackends: [string, unknown][] = [
    ['null', null],
    ['no create', { connect: async () => undefined, exists: async () => false, delete: async () => undefined }],
    ['bad handler', { ...createMemoryBackend(), codecHandlers: [{ type: 1, Class: Date, write: () => 0, read: () => 0 }] }],
  ];
  it.each(badBackends)('refuses a backend with %s', (_name, backend) => {
    const r = new BackendRegistry();
    expect(() => r.register('bad', backend as Backend)).toThrow(expect.objectContaining({ code: 'config/invalid' }));
    expect(r.has('bad')).toBe(false);
  });

  const badConfigs: unknown[] = [null, {}, { backend: '', id: 'x' }, { backend: 'memory' }, { backend: 'memory', id: 7 }];
  it.each(badConfigs.map((c) => [c]))('refuses config %j with config/invalid', async (config) => {
    await expectCode(defaultRegistry.create(config as never), 'config/invalid');
  });

  it("hands out the codec with the backend's own handlers", async () => {
    class Tag {
      readonly name: string;
      constructor(name: string) {
        this.name = name;
      }
    }
    const handler: CodecHandler<Tag> = { type: 40, Class: Tag, write: (t) => t.name, read: (n: string) => new Tag(n) };
    const r = new BackendRegistry();
    r.register('tagged', { ...createMemoryBackend(), codecHandlers: [handler] });
    r.register('plain', createMemoryBackend());
    const { store, codec } = await r.create({ backend: 'tagged', id: 't' });
    await store.putBatch([['k', codec.encode({ t: new Tag('x') })]]);
    const back = (await r.open({ backend: 'tagged', id: 't' })).codec.decode((await store.get('k'))!) as { t: Tag };
    expect(back.t).toBeInstanceOf(Tag);
    expect(r.codec('tagged')).toBe(codec);
    expect(r.codec('plain')).not.toBe(codec);
  });
});

describe('lazyBackend', () => {
  it('loads once, on first use, and keeps the handlers it was given', async () => {
    let loads = 0;
    class Box {
      readonly v: number;
      constructor(v: number) {
        this.v = v;
      }
    }
    const handler: CodecHandler<Box> = { type: 20, Class: Box, write: (b) => b.v, read: (v: number) => new Box(v) };
    const lazy = lazyBackend(async () => {
      loads++;
      return createMemoryBackend();
    }, [handler]);
    const r = new BackendRegistry();
    r.register('lazy', lazy);
    expect(loads).toBe(0);
    const { store, codec } = await r.create({ backend: 'lazy', id: 'l' });
    expect(await r.exists({ backend: 'lazy', id: 'l' })).toBe(true);
    expect(loads).toBe(1);
    await store.putBatch([['k', codec.encode(new Box(3))]]);
    expect(codec.decode((await store.get('k'))!)).toEqual(new Box(3));
  });
});

describe('default registry and helpers', () => {
  it('has memory and indexeddb built in; in Node also file, lmdb and postgresql', () => {
    expect(withBuiltins(new BackendRegistry()).names().sort()).toEqual(['indexeddb', 'memory']);
    // the Node project's setup registers the Node-only backends, as the package's Node entry does
    expect(defaultRegistry.names().sort()).toEqual(['file', 'indexeddb', 'lmdb', 'memory', 'postgresql']);
  });

  it('creates, opens, checks and deletes through config.store.backend', async () => {
    for (const config of [
      { backend: 'memory', id: 'helpers' },
      { backend: 'file', id: 'helpers', path: root },
    ]) {
      expect(await storeExists(config)).toBe(false);
      const { store, codec } = await createStore(config);
      await store.putBatch([['ref:head', codec.encode({ t: 1 }, 'ref')]]);
      await store.close();
      const again = await openStore(config);
      expect(again.codec.decode((await again.store.get('ref:head'))!, { kind: 'ref' })).toEqual({ t: 1 });
      expect(await storeExists(config)).toBe(true);
      await deleteStore(config);
      expect(await storeExists(config)).toBe(false);
      await expectCode(openStore(config), 'db/missing');
    }
  });

  it('reports store/unavailable for indexeddb where there is none (Node)', async () => {
    const r = withBuiltins(new BackendRegistry());
    await expectCode(r.create({ backend: 'indexeddb', id: 'x' }), 'store/unavailable');
    await expectCode(r.exists({ backend: 'indexeddb', id: 'x' }), 'store/unavailable');
  });
});
