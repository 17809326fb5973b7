// Input values in the database's own terms. A value bound through :in is what the caller wrote:
// docs/api.md lets a keyword input omit its colon where the schema says keyword, a long be a bigint
// (or a bigint a number), a uuid be upper-case, and an entity be a lookup ref or an ident. Query
// constants are normalised when parsed against the schema; inputs are normalised here, once,
// for every variable whose role the query's top-level patterns make unambiguous: the entity
// position of a Db pattern, or the value position of a pattern with a constant attribute.
// A value that does not fit stays as given (it then matches nothing, as in Datahike).

import { entidAs } from '../db/entid.js';
import type { Db, EntityRef } from '../db/types.js';
import { coerceValue } from '../db/valuetypes.js';
import type { Clause } from './ast.js';
import type { Ctx } from './context.js';
import { constAttr } from './patterns.js';
import { wait, type Step } from './run.js';
import type { Source } from './source.js';

type Role = { readonly db: Db; readonly attr: string | null } | null; // attr null: an entity

function rolesOf(where: readonly Clause[], sources: ReadonlyMap<string, Source>): Map<string, Role> {
  const roles = new Map<string, Role>();
  const note = (v: string, role: Role) => {
    const had = roles.get(v);
    if (had === undefined) roles.set(v, role);
    else if (had === null || role === null || had.db !== role.db || had.attr !== role.attr) roles.set(v, null); // ambiguous: leave as is
  };
  for (const c of where) {
    if (c.kind !== 'pattern') continue;
    const src = sources.get(c.src ?? '$');
    if (src === undefined || src.db === null) continue;
    const [e, , v] = c.terms;
    if (e?.kind === 'var') note(e.name, { db: src.db, attr: null });
    const attr = constAttr(c, src);
    if (v?.kind === 'var' && attr !== undefined) note(v.name, src.db.schema.refs.has(attr) ? { db: src.db, attr: null } : { db: src.db, attr });
  }
  return roles;
}

function* normalize(value: unknown, role: NonNullable<Role>): Step<unknown> {
  if (role.attr === null) {
    if (typeof value === 'number' || value === null || value === undefined) return value;
    if (typeof value !== 'string' && !Array.isArray(value)) return value;
    const e = yield* wait(entidAs(role.db, value as EntityRef, 'query/lookup-ref'));
    return e ?? value;
  }
  const schema = role.db.schema.attrs.get(role.attr);
  if (schema === undefined || value === null || value === undefined) return value;
  try {
    return coerceValue(schema, value, role.attr);
  } catch {
    return value;
  }
}

/** Input relations of `ctx` with their values normalised by role (see above). */
export function* normalizeInputs(where: readonly Clause[], sources: ReadonlyMap<string, Source>, ctx: Ctx): Step<Ctx> {
  if (ctx.rels.length === 0) return ctx;
  const roles = rolesOf(where, sources);
  const rels = [];
  for (const rel of ctx.rels) {
    const cols = rel.vars.map((v) => roles.get(v) ?? null);
    if (cols.every((r) => r === null)) {
      rels.push(rel);
      continue;
    }
    const rows = [];
    for (const row of rel.rows) {
      const out = row.slice();
      for (let i = 0; i < cols.length; i++) {
        const role = cols[i];
        if (role) out[i] = yield* normalize(row[i], role);
      }
      rows.push(out);
    }
    rels.push({ vars: rel.vars, rows });
  }
  return { rels };
}
