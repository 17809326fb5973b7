// Hostile arguments to liveQuery / livePull: every failure is a CairnError, thrown by the call
// (a bad connection or callback) or delivered to onError (everything the query decides), and a
// failing live query leaves nothing subscribed. Seeded: a failure names its case.

import { describe, expect, it } from 'vitest';
import { CairnError, connect, createDatabase, liveQuery, livePull, transact, type Connection } from '../index.js';
import { type ConnectionHandle } from '../api.js';
import { type Random, seededRandom } from '../util/random.js';
import { liveCount } from './index.js';

const QUERIES: readonly unknown[] = [
  '[:find ?n :where [?e :p/name ?n]]',
  '[:find ?n :in $ ?x :where [?e :p/name ?x]]',
  '[:find ?n :in $ [?x ...] :where [?e :p/name ?x]]',
  '[:find ?e :in $ % :where (r ?e)]',
  '[:find (pull ?e ?p) :in $ ?p :where [?e :p/name]]',
  '[:find ?a :where [1 ?a]]',
  '[:find ?x :where [?x :p/name',
  '[:find ?x]',
  '',
  '[:find ?v :where [?e ?a ?v] [(get-else $ ?e :p/name ?a) ?v]]',
  '[:find ?e :where [(missing? $ ?e :p/name)]]',
  { query: '[:find ?n :in $ ?x :where [?e :p/name ?n]]', args: 'nope' },
  { query: '[:find ?n :where [?e :p/name ?n]]', limit: -1 },
  ['find', '?x'],
  42,
  null,
];
const PATTERNS: readonly unknown[] = ['[*]', '[:p/name {:p/friend ...}]', '[:p/name', [], ['p/name', { 'p/friend': 'x' }], 7, null, '[(:p/name :limit -1)]'];

function hostile(r: Random, depth = 0): unknown {
  switch (r.int(depth > 1 ? 9 : 12)) {
    case 0:
      return r.int(1000) - 500;
    case 1:
      return r.pick(['p/name', ':p/name', 'Ada', '', '__proto__', '\ud800', ':db/ident']);
    case 2:
      return null;
    case 3:
      return undefined;
    case 4:
      return 2n ** 70n;
    case 5:
      return new Date(0); // invalid Dates: the query printer's own fuzzing (main) covers them
    case 6:
      return Symbol('s');
    case 7:
      return NaN;
    case 8:
      return () => 1;
    case 9:
      return [hostile(r, depth + 1), hostile(r, depth + 1)];
    case 10:
      return { [r.pick(['query', 'args', 'p/name', '__proto__', 'limit'])]: hostile(r, depth + 1) };
    default:
      return new Map([[1, 2]]);
  }
}

async function outcome(f: () => { subscribe: (v: () => void, e: (e: unknown) => void) => () => void }): Promise<unknown> {
  let live: ReturnType<typeof f>;
  try {
    live = f();
  } catch (e) {
    return e;
  }
  return new Promise((resolve) => {
    const stop = live.subscribe(
      () => {
        stop?.();
        resolve('value');
      },
      (e) => {
        stop?.();
        resolve(e);
      },
    );
  });
}

describe('liveQuery / livePull with hostile arguments', () => {
  it('fails only with CairnErrors and leaves nothing subscribed (400 seeded cases)', async () => {
    const cfg = { store: { backend: 'memory', id: `live-hostile-${Date.now().toString(36)}` } };
    await createDatabase(cfg);
    const conn: Connection = await connect(cfg);
    await transact(conn, [
      { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'p/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
    ]);
    await transact(conn, [
      { 'db/id': 'a', 'p/name': 'Ada', 'p/friend': 'b' },
      { 'db/id': 'b', 'p/name': 'Bob' },
    ]);
    const r = seededRandom(20261205);
    const problems: string[] = [];
    for (let i = 0; i < 400; i++) {
      const onConn = r.next() < 0.9 ? conn : hostile(r);
      const args = Array.from({ length: r.int(3) }, () => (r.next() < 0.2 ? conn : hostile(r)));
      const result =
        r.next() < 0.7
          ? await outcome(() => liveQuery(onConn as Connection, (r.next() < 0.8 ? r.pick(QUERIES) : hostile(r)) as string, ...args))
          : await outcome(() =>
              livePull(
                onConn as Connection,
                (r.next() < 0.8 ? r.pick(PATTERNS) : hostile(r)) as string,
                (r.next() < 0.5 ? r.pick([1, 2, ['p/name', 'Ada'], 'p/name']) : hostile(r)) as number,
              ),
            );
      if (result !== 'value' && !(result instanceof CairnError)) problems.push(`case ${i}: ${String(result)}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(liveCount((conn as ConnectionHandle).conn)).toBe(0);
  });
});
