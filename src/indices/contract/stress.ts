// Stress: many versions of one set, edited in batches from random earlier versions, flushed
// and restored lazily over a storage whose loads are sometimes synchronous and sometimes not.
// Every version must keep reading exactly its own keys (checked against per-version oracles).

import { describe, expect, it } from 'vitest';
import { numCmp } from './kit.js';
import { seededRandom } from '../../util/random.js';
import { CountingNodeStorage } from '../test-storage.js';
import type { SortedSet } from '../types.js';
import type { IndexFactory } from '../types.js';

interface Version {
  set: SortedSet<number>;
  keys: number[];
}

/** Many versions through flush/restore cycles over a storage that is sometimes async. */
export function stressSuite(name: string, factory: IndexFactory): void {
  describe(`${name} stress over storage`, () => {
    for (const bf of [4, 32]) {
      it(`keeps 60 versions consistent through flush/restore cycles at branching factor ${bf}`, async () => {
        const rnd = seededRandom(bf * 1000 + 5);
        const storage = new CountingNodeStorage<number>('mixed');
        const keyspace = bf * 60;
        const versions: Version[] = [{ set: factory.empty(numCmp, { branchingFactor: bf }), keys: [] }];
        for (let round = 0; round < 60; round++) {
          // Mostly continue from the newest version, sometimes branch off an older one.
          const base = rnd.int(4) === 0 ? rnd.pick(versions) : (versions[versions.length - 1] as Version);
          let set = base.set;
          if (rnd.int(2) === 0) {
            const root = await set.flush(storage);
            set = factory.restore(root, numCmp, storage, set.meta());
          }
          const oracle = new Set(base.keys);
          const t = set.transient();
          const grow = round < 40;
          for (let op = 0; op < 80; op++) {
            const k = rnd.int(keyspace);
            if (rnd.next() < (grow ? 0.7 : 0.35)) {
              expect(await t.add(k)).toBe(!oracle.has(k));
              oracle.add(k);
            } else {
              expect(await t.remove(k)).toBe(oracle.has(k));
              oracle.delete(k);
            }
          }
          const next = { set: t.persistent(), keys: [...oracle].sort(numCmp) };
          await next.set.checkValid();
          versions.push(next);
          // Spot-check a random older version with a random range read.
          const old = rnd.pick(versions);
          const lo = rnd.int(keyspace);
          const hi = lo + rnd.int(keyspace / 2);
          expect(await old.set.slice(lo, hi)).toEqual(old.keys.filter((k) => k >= lo && k <= hi));
          expect(await old.set.count(lo, hi)).toBe(old.keys.filter((k) => k >= lo && k <= hi).length);
        }
        for (const v of versions) {
          expect(v.set.size).toBe(v.keys.length);
          expect(await v.set.slice(undefined, undefined)).toEqual(v.keys);
          await v.set.checkValid();
          // And each one survives a flush and a lazy restore.
          const restored = factory.restore(await v.set.flush(storage), numCmp, storage, v.set.meta());
          expect(await restored.rslice(undefined, undefined)).toEqual(v.keys.slice().reverse());
        }
      });
    }
  });
}
