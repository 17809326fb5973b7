// The lazy entity (Datahike `entity`), in-process only.
//
// Representation: an Entity is (db, id) plus a per-attribute cache of what has been read.
// Nothing is read on creation; `get(attr)` reads one attribute (`db.search(id, attr)`) the
// first time and caches it; `touch()` reads the whole EAVT slice once and fills the cache,
// touching component entities recursively (cycles stop at entities already being touched).
//
// Async choice: index reads are synchronous when their nodes are cached and Promises otherwise
// (docs/architecture.md, decision 1), so every accessor returns MaybePromise: the value itself when it could be
// served now, else a Promise. `await ent.get('person/name')` is always correct; code that knows
// the database is warm may use the value directly (check with `isPromise` from src/util/maybe).
//
// Values follow docs/api.md: attributes colon-less (a leading ':' is accepted), keyword values
// ':ns/name' strings, card-many values arrays in index order, refs Entities, reverse refs
// ('person/_friend') arrays of Entities (a single Entity for a component attribute), missing
// attributes undefined. Two entities are `equals` when they share db value and id.

import type { Datom, Db, EntityRef } from '../db/types.js';
import { CairnError, show } from '../util/errors.js';
import { type MaybePromise, all, andThen as then, isPromise } from '../util/maybe.js';

/** Cache marker for "read, and absent" (distinct from "not read yet"). */
const ABSENT = Symbol('absent');

function attrName(attr: string): string {
  if (typeof attr !== 'string' || attr.length === 0) {
    throw new CairnError('entity/invalid', `invalid attribute ${show(attr)}`, { attr: show(attr) });
  }
  return attr.charCodeAt(0) === 58 /* : */ ? attr.slice(1) : attr;
}

/** 'ns/_name' -> 'ns/name', or null when the name is not a reverse reference. */
function forwardOf(name: string): string | null {
  const slash = name.indexOf('/');
  const localStart = slash + 1;
  if (name.charCodeAt(localStart) !== 95 /* _ */ || name === 'db/id') return null;
  return name.slice(0, localStart) + name.slice(localStart + 1);
}

export class Entity {
  readonly db: Db;
  readonly id: number;
  readonly #cache = new Map<string, unknown>();
  #touched = false;

  constructor(db: Db, id: number) {
    this.db = db;
    this.id = id;
  }

  /** An attribute's value, a reverse ref's entities, or 'db/id'; undefined when absent. */
  get(attr: string): MaybePromise<unknown> {
    const name = attrName(attr);
    if (name === 'db/id') return this.id;
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached === ABSENT ? undefined : cached;
    const fwd = forwardOf(name);
    if (fwd === null && this.#touched) return undefined; // touched: the cache has every attribute
    const read = fwd === null ? this.db.search(this.id, name) : this.db.search(undefined, fwd, this.id);
    return then(read, (datoms) => {
      const v = fwd === null ? this.#forward(name, datoms) : this.#reverse(fwd, datoms);
      this.#cache.set(name, v === undefined ? ABSENT : v);
      return v;
    });
  }

  /** Load every attribute (components recursively); resolves to this entity. */
  touch(): MaybePromise<this> {
    return touchAll(this, new Set());
  }

  /** Forward attributes present on the entity (loads it). */
  keys(): MaybePromise<string[]> {
    return then(this.touch(), () => {
      const out: string[] = [];
      for (const [k, v] of this.#cache) if (v !== ABSENT && forwardOf(k) === null) out.push(k);
      return out;
    });
  }

  /** Same database value and same id (Datahike entity equality). */
  equals(other: unknown): boolean {
    return other instanceof Entity && other.db === this.db && other.id === this.id;
  }

  /** What has been loaded so far, as plain data: refs as { 'db/id': n }. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { 'db/id': this.id };
    for (const [k, v] of this.#cache) if (v !== ABSENT) out[k] = plain(v);
    return out;
  }

  toString(): string {
    return `#entity ${JSON.stringify(this.toJSON(), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}N` : v))}`;
  }

  /** @internal fill the cache from the entity's whole EAVT slice */
  fill(datoms: readonly Datom[]): void {
    const groups = new Map<string, Datom[]>();
    for (const d of datoms) {
      const g = groups.get(d.a);
      if (g === undefined) groups.set(d.a, [d]);
      else g.push(d);
    }
    for (const [a, ds] of groups) {
      const v = this.#forward(a, ds);
      this.#cache.set(a, v === undefined ? ABSENT : v);
    }
    this.#touched = true;
  }

  /** @internal */
  get touched(): boolean {
    return this.#touched;
  }

  #forward(attr: string, datoms: readonly Datom[]): unknown {
    const schema = this.db.schema;
    const isRef = schema.refs.has(attr);
    const conv = (d: Datom): unknown => (isRef ? new Entity(this.db, d.v as number) : d.v);
    if (schema.many.has(attr)) {
      const out: unknown[] = [];
      for (const d of datoms) if (d.added) out.push(conv(d));
      return out.length === 0 ? undefined : out;
    }
    for (const d of datoms) if (d.added) return conv(d);
    return undefined;
  }

  #reverse(attr: string, datoms: readonly Datom[]): unknown {
    const out: Entity[] = [];
    for (const d of datoms) if (d.added) out.push(new Entity(this.db, d.e));
    if (out.length === 0) return undefined;
    return this.db.schema.components.has(attr) ? out[0] : out;
  }
}

function plain(v: unknown): unknown {
  if (v instanceof Entity) return { 'db/id': v.id };
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/**
 * Touch `root` and the component entities it owns, level by level: the loads of one level are
 * requested together (a cold touch waits once per level), and no recursion, so a component
 * chain thousands deep cannot overflow the stack. `visiting` cuts cycles.
 */
function touchAll<E extends Entity>(root: E, visiting: Set<number>): MaybePromise<E> {
  visiting.add(root.id);
  let level: Entity[] = [root];
  const fillLevel = (current: readonly Entity[], loaded: readonly (Datom[] | undefined)[]): void => {
    const next: Entity[] = [];
    const components = root.db.schema.components;
    current.forEach((ent, i) => {
      const datoms = loaded[i];
      if (datoms !== undefined) ent.fill(datoms);
      for (const attr of components) {
        const v = ent.get(attr);
        if (isPromise(v)) continue; // unreachable after fill: forward attributes are cached
        for (const c of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
          if (c instanceof Entity && !visiting.has(c.id)) {
            visiting.add(c.id);
            next.push(c);
          }
        }
      }
    });
    level = next;
  };
  const run = (): MaybePromise<E> => {
    while (level.length > 0) {
      const current = level;
      const loads = all(current.map((ent): MaybePromise<Datom[] | undefined> => (ent.touched ? undefined : ent.db.search(ent.id))));
      if (isPromise(loads))
        return loads.then((ds) => {
          fillLevel(current, ds);
          return run();
        });
      fillLevel(current, loads);
    }
    return root;
  };
  return run();
}

/** `touch(ent)`: the free-function spelling of `ent.touch()`. */
export function touch<E extends Entity>(ent: E): MaybePromise<E> {
  return ent.touch();
}

/**
 * The lazy entity for `eid` (an id, lookup ref or ident); null when a lookup ref or ident names
 * nothing. An id that has no datoms still gives an entity, as in Datahike; its attributes are
 * all undefined.
 */
export function entity(db: Db, eid: EntityRef): MaybePromise<Entity | null> {
  if (typeof eid === 'number') {
    if (!Number.isSafeInteger(eid) || eid < 0) {
      throw new CairnError('entity/invalid', `invalid entity id ${show(eid)}`, { eid: show(eid) });
    }
    return new Entity(db, eid);
  }
  if (typeof eid === 'string' || (Array.isArray(eid) && eid.length === 2 && typeof eid[0] === 'string')) {
    return then(db.entid(eid), (id) => (id === null ? null : new Entity(db, id)));
  }
  throw new CairnError('entity/invalid', `invalid entity reference ${show(eid)} (expected an id, a lookup ref [attr, value] or an ident)`, { eid: show(eid) });
}
