// Live queries in process: `liveQuery(conn, query, ...inputs)` and `livePull(conn, pattern, eid)`.
//
// A live query is a `Live` subscribable (subscribable.ts) over a source that, while subscribed,
// registers a watch with the connection's registry (registry.ts), runs the query against the
// connection's current value, and runs it again whenever the registry marks it stale. Before
// each run it decides what the query reads (deps.ts), again only when the schema changed.
//
// Inputs: the connection's current value takes the place of every input that is the connection
// itself; when none is, it is the first input (the query's `$`), so `liveQuery(conn, q, 'Ada')`
// runs `q(db(conn), 'Ada')` and `liveQuery(conn, q, coll, conn)` runs `q(coll, db(conn))`.

import type { Conn } from '../conn/connection.js';
import type { DbValue } from '../db/db.js';
import type { EntityRef, Schema } from '../db/types.js';
import { compilePattern, pull as pullImpl } from '../pull/index.js';
import type { Rules } from '../query/ast.js';
import { isQueryMap, parseQuery, qMaybe } from '../query/index.js';
import { parseRules } from '../query/parser.js';
import { stripColon } from '../query/source.js';
import { CairnError, isCairnError } from '../util/errors.js';
import type { MaybePromise } from '../util/maybe.js';
import { ALL, type Deps, newCollector, pullDeps, queryDeps } from './deps.js';
import { registryOf, type Watch } from './registry.js';
import { Live, type LiveQuery, type LiveSource } from './subscribable.js';

export { Live } from './subscribable.js';
export type { LiveQuery, LiveSource, LiveSink, LiveState, LiveStats, LiveObserver, Unsubscribe } from './subscribable.js';
export { liveCount } from './registry.js';

/** What one live query does against a Db value. */
interface Job<T> {
  /** What the query reads under this schema (throws what the query itself would throw). */
  deps(db: DbValue): Deps;
  run(db: DbValue): MaybePromise<T>;
}

/** Nothing but schema commits (which re-run every live query) can fix a query that fails to parse. */
const NOTHING: Deps = { all: false, attrs: new Map(), entities: new Set() };

function source<T>(conn: Conn, job: Job<T>): LiveSource<T> {
  let runs = 0;
  return {
    runs: () => Promise.resolve(runs),
    start(sink) {
      const registry = registryOf(conn);
      let stopped = false;
      let running = false;
      let again = false;
      let schema: Schema | null = null;
      const watch: Watch = { deps: ALL, stale: () => void cycle() };
      // Until the first analysis, every commit counts (a commit during the first run re-runs it).
      registry.add(watch);

      const once = async (): Promise<void> => {
        if (conn.released) throw new CairnError('db/released', `connection to ${conn.key} was released`, { store: conn.key });
        const db = conn.db;
        if (db.schema !== schema) {
          schema = db.schema;
          let deps: Deps;
          try {
            deps = job.deps(db);
          } catch (e) {
            registry.setDeps(watch, NOTHING);
            throw e;
          }
          registry.setDeps(watch, deps);
        }
        runs++;
        const value = await job.run(db);
        if (!stopped && !conn.released) sink.value(value);
      };

      const cycle = async (): Promise<void> => {
        if (stopped) return;
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            await once().catch((e: unknown) => {
              // A run the release cut short (its reads met the closed store) tells nothing: a
              // released connection's live queries receive nothing more but that db/released.
              if (!stopped && (!conn.released || isCairnError(e, 'db/released'))) sink.error(e);
            });
          } while (again && !stopped);
        } finally {
          running = false;
        }
      };

      // Never deliver inside subscribe(): the caller has not got its unsubscribe yet.
      queueMicrotask(() => void cycle());
      return () => {
        stopped = true;
        registry.remove(watch);
      };
    },
  };
}

/** The input positions holding the live value; the connection's own value first when none does. */
function liveArgs(args: readonly unknown[], isSelf: (x: unknown) => boolean): { args: readonly unknown[]; at: ReadonlySet<number> } {
  const at = new Set<number>();
  args.forEach((x, i) => {
    if (isSelf(x)) at.add(i);
  });
  if (at.size > 0) return { args, at };
  return { args: [null, ...args], at: new Set([0]) };
}

/** Values bound to variables by scalar and collection inputs, for entity/value-level deps. */
function boundInputs(
  parsed: ReturnType<typeof parseQuery>,
  args: readonly unknown[],
  at: ReadonlySet<number>,
): { live: Set<string>; bound: Map<string, unknown[]>; rules: Rules } {
  const live = new Set<string>();
  const bound = new Map<string, unknown[]>();
  let rules: Rules = new Map();
  parsed.in.forEach((b, i) => {
    const value = args[i];
    switch (b.kind) {
      case 'in-src':
        if (at.has(i)) live.add(b.name);
        break;
      case 'in-rules':
        rules = parseRules(value);
        break;
      case 'in-bind':
        if (at.has(i)) break;
        if (b.binding.kind === 'bind-var') bound.set(b.binding.name, [value]);
        else if (b.binding.kind === 'bind-coll' && b.binding.elem.kind === 'bind-var' && Array.isArray(value)) bound.set(b.binding.elem.name, [...value]);
        break;
      default: {
        const never: never = b;
        throw new Error(`unreachable input ${String(never)}`);
      }
    }
  });
  return { live, bound, rules };
}

export function liveQueryOf<T>(conn: Conn, query: unknown, inputs: readonly unknown[], isSelf: (x: unknown) => boolean): LiveQuery<T> {
  const map = isQueryMap(query) && inputs.length === 0 ? query : null;
  const { args, at } = liveArgs(map ? (Array.isArray(map.args) ? map.args : []) : inputs, isSelf);
  const withDb = (db: DbValue): unknown[] => args.map((x, i) => (at.has(i) ? db : x));
  return new Live<T>(
    source(conn, {
      deps(db) {
        if (map && map.args !== undefined && !Array.isArray(map.args)) return NOTHING; // q reports it
        const parsed = parseQuery(map ? map.query : query);
        const { live, bound, rules } = boundInputs(parsed, args, at);
        return queryDeps({ query: parsed, live, bound, rules, schema: db.schema, compilePull: compilePattern });
      },
      run(db) {
        return (map ? qMaybe({ ...map, args: withDb(db) }) : qMaybe(query, ...withDb(db))) as MaybePromise<T>;
      },
    }),
  );
}

export function livePullOf<T>(conn: Conn, pattern: unknown, eid: EntityRef): LiveQuery<T> {
  return new Live<T>(
    source(conn, {
      deps(db) {
        const out = newCollector();
        const compiled = compilePattern(pattern);
        if (Array.isArray(eid) && typeof eid[0] === 'string') out.any(stripColon(eid[0])); // a lookup ref reads its attribute
        pullDeps(compiled, db.schema, out, typeof eid === 'number' ? eid : null);
        return out.deps();
      },
      run(db) {
        return pullImpl(db, pattern, eid) as MaybePromise<T>;
      },
    }),
  );
}
