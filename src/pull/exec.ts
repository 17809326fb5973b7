// The pull executor: walks a compiled pattern (./pattern.ts) over a Db value.
//
// Per entity it reads ONE EAVT slice (`db.search(e)`) and serves every forward spec and the
// wildcard from it; reverse specs read `db.search(undefined, attr, e)`. Reads are yielded only
// when they return a Promise (see `drive` in util/maybe.ts), so a warm pull is fully synchronous.
//
// Result shape (docs/api.md, Datahike pull semantics):
//   - keys are colon-less attributes, the written reverse name ('person/_friend'), or the :as alias;
//   - card-many values are arrays in index order, cut at the spec's limit (default 1000);
//   - refs are { 'db/id': n } unless a sub-pattern is given; component refs with no sub-pattern
//     are expanded with [*] recursively; a reverse component ref is a single value;
//   - missing attributes are dropped (or get their :default); a nested entity whose pull matched
//     nothing is dropped from card-many arrays (the key too when none matched, as DataScript) and from card-one keys; an entity whose
//     pull matched nothing is null; so is an entity without datoms that only matched db/id.
// Recursion (`...`, depth N) and component expansion track the entities on the current path:
// re-entering one yields { 'db/id': n } (cycle cut). Recursion depth is counted per spec.

import type { Datom, Db, Schema } from '../db/types.js';
import { isPromise } from '../util/maybe.js';
import type { Reads } from '../util/maybe.js';
import { type AttrSpec, DEFAULT_LIMIT, type PullPattern, WILDCARD } from './pattern.js';

export type PullResult = Record<string, unknown>;

interface Ctx {
  readonly db: Db;
  readonly schema: Schema;
  /** Entities entered through recursion or component expansion on the current path. */
  readonly seen: Set<number>;
  /** Remaining depth of each bounded recursive spec on the current path. */
  readonly depths: Map<AttrSpec, number>;
}

const EMPTY: readonly Datom[] = [];
/** Above this many datoms an entity's attribute runs are indexed in a Map, below it scanned. */
const SCAN_MAX = 24;

export function newCtx(db: Db): Ctx {
  return { db, schema: db.schema, seen: new Set(), depths: new Map() };
}

/** The datoms of `e` a pattern needs from EAVT (all of them when it has forward specs). */
export function needsSlice(p: PullPattern): boolean {
  return p.wildcard || p.attrs.length > 0 || p.idKeys.length > 0;
}

/**
 * Pull one entity. `pre` is its EAVT slice when the caller already read it (pullMany batches
 * those reads); `top` asks for the missing-entity check of the top level.
 */
export function* pullEntity(ctx: Ctx, e: number, p: PullPattern, pre?: readonly Datom[], top = false): Reads<PullResult | null> {
  let datoms = pre ?? EMPTY;
  if (pre === undefined && (p.wildcard || p.attrs.length > 0 || (top && p.idKeys.length > 0))) {
    const r = ctx.db.search(e);
    datoms = isPromise(r) ? ((yield r) as Datom[]) : r;
  }
  const out: PullResult = {};
  let size = 0;
  for (const k of p.idKeys) {
    out[k] = e;
    size++;
  }

  if (p.wildcard) {
    let i = 0;
    while (i < datoms.length) {
      const a = datoms[i]!.a;
      let end = i + 1;
      while (end < datoms.length && datoms[end]!.a === a) end++;
      if (!p.explicit.has(a)) {
        const v = nests(ctx, a, null) ? yield refsValue(ctx, e, p, a, null, DEFAULT_LIMIT, datoms, i, end) : plainValue(ctx, a, DEFAULT_LIMIT, datoms, i, end);
        if (v !== undefined) {
          out[a] = v;
          size++;
        }
      }
      i = end;
    }
  }

  if (p.attrs.length > 0) {
    const runs = datoms.length > SCAN_MAX ? indexRuns(datoms) : null;
    for (const spec of p.attrs) {
      let start: number;
      if (runs === null) {
        start = 0;
        while (start < datoms.length && datoms[start]!.a !== spec.attr) start++;
      } else {
        start = runs.get(spec.attr) ?? datoms.length;
      }
      let v: unknown = undefined;
      if (start < datoms.length) {
        let end = start + 1;
        while (end < datoms.length && datoms[end]!.a === spec.attr) end++;
        v = nests(ctx, spec.attr, spec)
          ? yield refsValue(ctx, e, p, spec.attr, spec, spec.limit, datoms, start, end)
          : plainValue(ctx, spec.attr, spec.limit, datoms, start, end);
      }
      if (v === undefined && spec.hasDefault) v = spec.default;
      if (v !== undefined) {
        out[spec.key] = v;
        size++;
      }
    }
  }

  for (const spec of p.reverse) {
    // A declared attribute that is not a ref has no reverse: do not match its values against e.
    const known = ctx.schema.attrs.has(spec.attr) && !ctx.schema.refs.has(spec.attr);
    const r = known ? EMPTY : ctx.db.search(undefined, spec.attr, e);
    const refs = isPromise(r) ? ((yield r) as Datom[]) : r;
    const v = yield reverseValue(ctx, p, spec, refs);
    if (v !== undefined) {
      out[spec.key] = v;
      size++;
    } else if (spec.hasDefault) {
      out[spec.key] = spec.default;
      size++;
    }
  }

  if (size === 0) return null;
  if (top && size === p.idKeys.length && datoms.length === 0) return null;
  return out;
}

function indexRuns(datoms: readonly Datom[]): Map<string, number> {
  const runs = new Map<string, number>();
  let prev: string | undefined;
  for (let i = 0; i < datoms.length; i++) {
    const a = datoms[i]!.a;
    if (a !== prev) {
      if (!runs.has(a)) runs.set(a, i);
      prev = a;
    }
  }
  return runs;
}

/** Whether attribute `a`'s values are pulled as nested entities (else they are plain values). */
function nests(ctx: Ctx, a: string, spec: AttrSpec | null): boolean {
  if (!ctx.schema.refs.has(a)) return false;
  return spec === null || spec.sub === null ? ctx.schema.components.has(a) : true;
}

/**
 * Forward attribute `a` from datoms[start, end) when no nested pull is involved: values, or
 * { 'db/id': n } for refs. Synchronous on purpose: most attributes of most pulls go this way,
 * and it costs no generator. undefined when nothing matched.
 */
function plainValue(ctx: Ctx, a: string, limit: number | null, datoms: readonly Datom[], start: number, end: number): unknown {
  const isRef = ctx.schema.refs.has(a);
  if (!ctx.schema.many.has(a)) {
    for (let i = start; i < end; i++) {
      const d = datoms[i]!;
      if (d.added) return isRef ? { 'db/id': d.v } : d.v; // history views also return retractions
    }
    return undefined;
  }
  const values: unknown[] = [];
  for (let i = start; i < end; i++) {
    const d = datoms[i]!;
    if (!d.added) continue;
    if (limit !== null && values.length >= limit) break;
    values.push(isRef ? { 'db/id': d.v } : d.v);
  }
  return values.length === 0 ? undefined : values;
}

/** Forward ref attribute `a` whose values are pulled as nested entities. */
function* refsValue(
  ctx: Ctx,
  e: number,
  p: PullPattern,
  a: string,
  spec: AttrSpec | null,
  limit: number | null,
  datoms: readonly Datom[],
  start: number,
  end: number,
): Reads<unknown> {
  if (spec !== null && exhausted(ctx, spec)) return undefined;
  const component = ctx.schema.components.has(a);
  const one = !ctx.schema.many.has(a);
  const values: unknown[] = [];
  for (let i = start; i < end; i++) {
    const d = datoms[i]!;
    if (!d.added) continue;
    if (limit !== null && values.length >= limit) break;
    const r = yield child(ctx, e, p, spec, d.v as number, component);
    if (one) return r ?? undefined; // null: the nested pull matched nothing, drop the key
    if (r !== undefined && r !== null) values.push(r);
  }
  return values.length > 0 ? values : undefined; // no target matched the sub-pattern: drop the key
}

/** Values of a reverse spec: entities whose `spec.attr` points at the pulled one. */
function* reverseValue(ctx: Ctx, p: PullPattern, spec: AttrSpec, refs: readonly Datom[]): Reads<unknown> {
  if (exhausted(ctx, spec)) return undefined;
  const one = ctx.schema.components.has(spec.attr); // a component has exactly one owner
  const values: unknown[] = [];
  for (const d of refs) {
    if (!d.added) continue;
    if (spec.limit !== null && values.length >= spec.limit) break;
    const r = spec.sub === null ? { 'db/id': d.e } : yield child(ctx, d.v as number, p, spec, d.e, false);
    if (one) return r ?? undefined;
    if (r !== undefined && r !== null) values.push(r);
  }
  return values.length > 0 ? values : undefined;
}

/** A bounded recursive spec that has used up its depth on this path: its key is dropped. */
function exhausted(ctx: Ctx, spec: AttrSpec): boolean {
  const sub = spec.sub;
  if (sub === null || sub.kind !== 'recurse') return false;
  const left = ctx.depths.get(spec) ?? sub.depth;
  return left !== null && left <= 0;
}

/**
 * The procedure that pulls referenced entity `v` (reached from `parent`) as the spec says:
 * its sub-pattern, a recursion step, or component expansion.
 */
function child(ctx: Ctx, parent: number, p: PullPattern, spec: AttrSpec | null, v: number, component: boolean): Reads<unknown> {
  const sub = spec === null ? null : spec.sub;
  if (sub === null) return component ? expandComponent(ctx, parent, v) : idOnly(v);
  switch (sub.kind) {
    case 'pattern':
      return pullEntity(ctx, v, sub.pattern);
    case 'recurse':
      return recurse(ctx, p, spec!, sub.depth, v);
    default: {
      const never: never = sub;
      return never;
    }
  }
}

function* idOnly(v: number): Reads<unknown> {
  return { 'db/id': v };
}

/** One recursion step into `v`: cycle cut, depth counted for this spec on this path. */
function* recurse(ctx: Ctx, p: PullPattern, spec: AttrSpec, depth: number | null, v: number): Reads<unknown> {
  if (ctx.seen.has(v)) return { 'db/id': v };
  const prev = ctx.depths.get(spec);
  const left = prev ?? depth;
  if (left !== null && left <= 0) return undefined;
  ctx.seen.add(v);
  if (left !== null) ctx.depths.set(spec, left - 1);
  try {
    return yield pullEntity(ctx, v, p);
  } finally {
    ctx.seen.delete(v);
    if (prev === undefined) ctx.depths.delete(spec);
    else ctx.depths.set(spec, prev);
  }
}

/** Component expansion: `v` pulled with [*]; the owner joins the path, so a loop back is cut. */
function* expandComponent(ctx: Ctx, parent: number, v: number): Reads<unknown> {
  if (ctx.seen.has(v)) return { 'db/id': v };
  const addedParent = !ctx.seen.has(parent);
  if (addedParent) ctx.seen.add(parent);
  ctx.seen.add(v);
  try {
    return yield pullEntity(ctx, v, WILDCARD);
  } finally {
    ctx.seen.delete(v);
    if (addedParent) ctx.seen.delete(parent);
  }
}
