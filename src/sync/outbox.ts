// The durable outbox of a synced database (docs/sync.md): the device's transactions the server
// has not confirmed yet, oldest first. Each is stored once under `o:<client tx id>`; the ordered
// list of ids lives in one small mutable record, `ref:sync/outbox`, rewritten with every change
// in the same atomic batch as the entry it adds — so a crash leaves either the old or the new
// outbox, never half of one.

import type { Codec } from '../store/codec.js';
import type { Store } from '../store/types.js';
import { refKey } from '../store/keys.js';
import { fail } from '../util/errors.js';
import type { Datom } from '../db/types.js';
import type { PushTx } from './wire.js';

export const OUTBOX_KEY = /* @__PURE__ */ refKey('sync/outbox');

export interface OutboxEntry extends PushTx {
  /** The server tx it was committed in, once a push answer said so (memory only). */
  acked?: number;
  /** What it did to the local view when it was transacted (memory only; for rejection reports). */
  datoms?: readonly Datom[];
  /** Its encoded size, as pushed (memory only: the push budget needs no second encoding). */
  size?: number;
}

export class Outbox {
  readonly #store: Store;
  readonly #codec: Codec;
  #entries: OutboxEntry[] = [];

  private constructor(store: Store, codec: Codec) {
    this.#store = store;
    this.#codec = codec;
  }

  static async load(store: Store, codec: Codec): Promise<Outbox> {
    const box = new Outbox(store, codec);
    const list = await store.get(OUTBOX_KEY);
    if (list === undefined) return box;
    const ids = codec.decode(list, { key: OUTBOX_KEY, kind: 'meta' }) as string[];
    const values = await store.getMany(ids.map((id) => `o:${id}`));
    values.forEach((v, i) => {
      if (v === undefined) fail('store/missing-node', `outbox entry o:${ids[i]} is missing from the store`, { key: `o:${ids[i]}` });
      box.#entries.push({ ...(codec.decode(v, { key: `o:${ids[i]}`, kind: 'value' }) as PushTx), size: v.length });
    });
    return box;
  }

  get entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Encode first (a value the codec cannot carry fails here, before anything is stored). */
  encode(entry: PushTx): Uint8Array {
    return this.#codec.encode(entry, 'value');
  }

  /** Append entries (each encoded by `encode`) in one atomic batch: a burst costs one write. */
  async add(added: readonly { readonly entry: PushTx; readonly bytes: Uint8Array; readonly datoms?: readonly Datom[] }[]): Promise<void> {
    if (added.length === 0) return;
    const ids = [...this.#entries.map((e) => e.id), ...added.map((a) => a.entry.id)];
    await this.#store.putBatch([...added.map((a): [string, Uint8Array] => [`o:${a.entry.id}`, a.bytes]), [OUTBOX_KEY, this.#codec.encode(ids, 'meta')]]);
    for (const a of added) this.#entries.push({ ...a.entry, size: a.bytes.length, ...(a.datoms ? { datoms: a.datoms } : {}) });
  }

  /** Remove entries, writing `also` (the new local head) in the same atomic batch. */
  async remove(ids: ReadonlySet<string>, also: readonly [string, Uint8Array][] = []): Promise<OutboxEntry[]> {
    const gone = this.#entries.filter((e) => ids.has(e.id));
    if (gone.length === 0) {
      if (also.length > 0) await this.#store.putBatch(also);
      return [];
    }
    const kept = this.#entries.filter((e) => !ids.has(e.id));
    await this.#store.putBatch([
      ...also,
      [
        OUTBOX_KEY,
        this.#codec.encode(
          kept.map((e) => e.id),
          'meta',
        ),
      ],
    ]);
    this.#entries = kept;
    await this.#store.deleteMany(gone.map((e) => `o:${e.id}`)).catch(() => {}); // orphans are harmless
    return gone;
  }
}
