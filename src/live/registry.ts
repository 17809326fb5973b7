// One registry per connection: the live queries watching it, indexed by what they read, and the
// single connection listener that marks them stale.
//
// Per commit the work is proportional to the commit's datoms times the watches indexed under
// their attributes (or entities), not to the number of live queries: 100 idle live queries over
// other attributes cost one map lookup per datom. Stale watches re-run in a microtask, so the
// reports of one refresh (several commits from another tab) cost one re-run each.

import type { Conn } from '../conn/connection.js';
import type { TxReport } from '../db/types.js';
import { purgedBy } from '../tx/index.js';
import { type Deps, datomMatches, touchesSchema } from './deps.js';

/** A live query as the registry sees it: what it reads, and how to tell it that changed. */
export interface Watch {
  deps: Deps;
  stale(): void;
}

export class Registry {
  readonly #conn: Conn;
  readonly #watches = new Set<Watch>();
  readonly #always = new Set<Watch>();
  readonly #byAttr = new Map<string, Set<Watch>>();
  readonly #byEntity = new Map<number, Set<Watch>>();
  readonly #listener = (r: TxReport): void => this.#onReport(r);

  constructor(conn: Conn) {
    this.#conn = conn;
  }

  /** Live queries watching this connection (tests check that none is left behind). */
  get size(): number {
    return this.#watches.size;
  }

  add(w: Watch): void {
    if (this.#watches.size === 0) this.#conn.listeners.add(this.#listener);
    this.#watches.add(w);
    this.#index(w);
  }

  remove(w: Watch): void {
    if (!this.#watches.delete(w)) return;
    this.#unindex(w);
    if (this.#watches.size === 0) this.#conn.listeners.delete(this.#listener);
  }

  /** Replace a watch's deps (they are recomputed when the schema changes). */
  setDeps(w: Watch, deps: Deps): void {
    if (!this.#watches.has(w)) {
      w.deps = deps;
      return;
    }
    this.#unindex(w);
    w.deps = deps;
    this.#index(w);
  }

  #index(w: Watch): void {
    this.#file(w, put);
  }

  #unindex(w: Watch): void {
    this.#file(w, take);
  }

  /** File `w` (put) or take it out (take) under what it depends on. */
  #file(w: Watch, step: typeof put): void {
    const d = w.deps;
    if (d.all) {
      if (step === put) this.#always.add(w);
      else this.#always.delete(w);
      return;
    }
    for (const a of d.attrs.keys()) step(this.#byAttr, a, w);
    for (const e of d.entities) step(this.#byEntity, e, w);
  }

  #onReport(r: TxReport): void {
    // Empty txData: a change not itemised (another tab's or the server's purge or import of more
    // than REPORT_DATOMS_MAX datoms, a replica that followed a restored server): anything may
    // have changed.
    if (r.txData.length === 0) {
      for (const w of [...this.#watches]) w.stale();
      return;
    }
    const stale = new Set<Watch>(this.#always);
    // A purge here is not in txData (the report does not repeat purged values): it is matched
    // like a retraction of each purged datom.
    const purged = purgedBy(r);
    for (const d of purged.length === 0 ? r.txData : [...r.txData, ...purged]) {
      if (stale.size === this.#watches.size) break;
      if (touchesSchema(d.a)) {
        for (const w of this.#watches) stale.add(w);
        break;
      }
      const byAttr = this.#byAttr.get(d.a);
      if (byAttr !== undefined) for (const w of byAttr) if (!stale.has(w) && datomMatches(w.deps, d.a, d.e, d.v)) stale.add(w);
      const byEntity = this.#byEntity.get(d.e);
      if (byEntity !== undefined) for (const w of byEntity) stale.add(w);
    }
    for (const w of stale) w.stale();
  }
}

function put<K>(m: Map<K, Set<Watch>>, k: K, w: Watch): void {
  const s = m.get(k);
  if (s === undefined) m.set(k, new Set([w]));
  else s.add(w);
}

function take<K>(m: Map<K, Set<Watch>>, k: K, w: Watch): void {
  const s = m.get(k);
  if (s === undefined) return;
  s.delete(w);
  if (s.size === 0) m.delete(k);
}

const registries = new WeakMap<Conn, Registry>();

export function registryOf(conn: Conn): Registry {
  let r = registries.get(conn);
  if (r === undefined) {
    r = new Registry(conn);
    registries.set(conn, r);
  }
  return r;
}

/** How many live queries watch this connection (0 once all are unsubscribed). */
export function liveCount(conn: Conn): number {
  return registries.get(conn)?.size ?? 0;
}
