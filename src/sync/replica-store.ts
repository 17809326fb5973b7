// The device's store for a synced database: its local store (IndexedDB in the browser) with
// reads of missing immutable records falling through to the server. Records are immutable and
// named by key, so each one is fetched once, written to the local store, and read locally after.
// Everything else (the local head, the outbox) is the local store's own business.

import type { CasGuard, PutOptions, Store } from '../store/types.js';
import { isRecordKey } from './wire.js';

export interface FetchStats {
  records: number; // records received from the server (fetched, commit records, sent along with heads)
  bytes: number; // their encoded size
  requests: number;
  nodeKeys: Set<string>; // the index nodes among them (n: keys), to prove catch-up reads only new ones
}

export type FetchRecords = (keys: readonly string[]) => Promise<(Uint8Array | null)[]>;

export class ReplicaStore implements Store {
  readonly local: Store;
  readonly stats: FetchStats = { records: 0, bytes: 0, requests: 0, nodeKeys: new Set() };
  readonly #fetch: FetchRecords;
  readonly #inflight = new Map<string, Promise<Uint8Array | undefined>>();

  /** GC's fenced delete, the local store's (gcStorage on a device sweeps its replica); absent where it is. */
  readonly deleteManyIf?: (keys: readonly string[], cas: CasGuard) => Promise<void>;

  constructor(local: Store, fetch: FetchRecords) {
    this.local = local;
    this.#fetch = fetch;
    if (typeof local.deleteManyIf === 'function') this.deleteManyIf = local.deleteManyIf.bind(local);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const out = await this.local.getMany(keys);
    const missing: string[] = [];
    const waits: Promise<void>[] = [];
    out.forEach((v, i) => {
      if (v !== undefined || !isRecordKey(keys[i])) return;
      const shared = this.#inflight.get(keys[i]!);
      if (shared !== undefined) waits.push(shared.then((b) => void (out[i] = b)));
      else if (!missing.includes(keys[i]!)) missing.push(keys[i]!);
    });
    if (missing.length > 0) {
      const fetched = this.#fetchAndKeep(missing);
      missing.forEach((k, j) => {
        const p = fetched.then((vs) => vs[j]);
        this.#inflight.set(k, p);
        const done = () => this.#inflight.delete(k);
        p.then(done, done);
      });
      const vs = await fetched;
      keys.forEach((k, i) => {
        const j = missing.indexOf(k);
        if (j >= 0 && out[i] === undefined) out[i] = vs[j];
      });
    }
    await Promise.all(waits);
    return out;
  }

  /** Count records the server sent otherwise than in answer to a read (commit records, records along with a head). */
  received(records: readonly (readonly [string, Uint8Array])[]): void {
    for (const [, v] of records) {
      this.stats.records++;
      this.stats.bytes += v.length;
    }
  }

  /** Make sure the records are local; reads nothing it already has (for the background fetch). */
  async ensure(keys: readonly string[]): Promise<void> {
    await this.getMany(keys);
  }

  async #fetchAndKeep(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.stats.requests++;
    const values = await this.#fetch(keys);
    const keep: [string, Uint8Array][] = [];
    const out = values.map((v, i) => {
      if (v === null) return undefined;
      this.stats.records++;
      this.stats.bytes += v.length;
      if (keys[i]!.startsWith('n:')) this.stats.nodeKeys.add(keys[i]!);
      keep.push([keys[i]!, v]);
      return v;
    });
    if (keep.length > 0) await this.local.putBatch(keep);
    return out;
  }

  putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void> {
    return this.local.putBatch(entries, opts);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.local.deleteMany(keys);
  }

  keys(): Promise<string[]> {
    return this.local.keys();
  }

  close(): Promise<void> {
    return this.local.close();
  }
}
