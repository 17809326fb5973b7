// A minimal storage backend over Maps (the contract is in the package's docs/backends.md):
// enough for the custom-worker recipe to store a real database under its own backend name.
import { CairnError, type Backend, type PutOptions, type Store, type StoreConfig } from 'cairndb';

const copy = (b: Uint8Array): Uint8Array => b.slice();
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));

export function mapBackend(): Backend {
  const stores = new Map<string, Map<string, Uint8Array>>();
  const open = (data: Map<string, Uint8Array>): Store => ({
    async get(key) {
      const v = data.get(key);
      return v === undefined ? undefined : copy(v);
    },
    async getMany(keys) {
      return keys.map((k) => {
        const v = data.get(k);
        return v === undefined ? undefined : copy(v);
      });
    },
    async putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions) {
      if (opts?.cas !== undefined && !same(data.get(opts.cas.key), opts.cas.expected)) {
        throw new CairnError('store/conflict', `compare-and-set failed on ${opts.cas.key}`, { key: opts.cas.key });
      }
      for (const [k, v] of entries) data.set(k, copy(v));
    },
    async deleteMany(keys) {
      for (const k of keys) data.delete(k);
    },
    async keys() {
      return [...data.keys()];
    },
    async close() {},
  });
  return {
    async create(config: StoreConfig) {
      if (stores.has(config.id)) throw new CairnError('db/exists', `store ${config.id} exists`, { id: config.id });
      const data = new Map<string, Uint8Array>();
      stores.set(config.id, data);
      return open(data);
    },
    async connect(config: StoreConfig) {
      const data = stores.get(config.id);
      if (data === undefined) throw new CairnError('db/missing', `store ${config.id} is missing`, { id: config.id });
      return open(data);
    },
    async exists(config: StoreConfig) {
      return stores.has(config.id);
    },
    async delete(config: StoreConfig) {
      stores.delete(config.id);
    },
  };
}
