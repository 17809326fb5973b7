// Manual benchmark (not a test): pull-many of 1,000 persons, CairnDB vs DataScript, warm.
//   npx tsx src/pull/compare-datascript.ts
// The same data in both: name, email, age, status keyword, 3 friend refs, a component address.
// Patterns: [*], and a nested ref pattern. Reports the median of several rounds.

import ds from 'datascript';
import { emptyDb } from '../db/index';
import type { Db } from '../db/types';
import { withDb } from '../tx/index';
import { pullMany } from './index';

const N = 1000;

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function cairn(): Promise<{ db: Db; ids: number[] }> {
  const attr = (ident: string, type: string, extra: Record<string, unknown> = {}) =>
    ({ 'db/ident': ident, 'db/valueType': type, 'db/cardinality': 'db.cardinality/one', ...extra });
  const schema = [
    attr('person/name', 'db.type/string'), attr('person/email', 'db.type/string', { 'db/unique': 'db.unique/identity' }),
    attr('person/age', 'db.type/long'), attr('person/status', 'db.type/keyword'),
    attr('person/friend', 'db.type/ref', { 'db/cardinality': 'db.cardinality/many' }),
    attr('person/address', 'db.type/ref', { 'db/isComponent': true }), attr('address/city', 'db.type/string'),
  ];
  const db1 = (await withDb(emptyDb(), schema)).dbAfter;
  const rnd = seeded(7);
  const tx: unknown[] = [];
  for (let i = 0; i < N; i++) {
    tx.push({
      'db/id': `p${i}`, 'person/name': `Person ${i}`, 'person/email': `p${i}@x.org`, 'person/age': i % 90,
      'person/status': ':status/active', 'person/address': { 'address/city': `City ${i % 50}` },
      'person/friend': [0, 1, 2].map(() => `p${Math.floor(rnd() * N)}`),
    });
  }
  const r = await withDb(db1, tx);
  return { db: r.dbAfter, ids: Array.from({ length: N }, (_, i) => r.tempids[`p${i}`]!) };
}

function datascript(): { db: unknown; ids: number[] } {
  const d = ds as unknown as Record<string, (...a: unknown[]) => unknown>;
  const schema = {
    'person/email': { ':db/unique': ':db.unique/identity' },
    'person/friend': { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' },
    'person/address': { ':db/valueType': ':db.type/ref', ':db/isComponent': true },
  };
  const rnd = seeded(7);
  const tx: unknown[] = [];
  for (let i = 0; i < N; i++) {
    tx.push({
      ':db/id': -(i + 1), 'person/name': `Person ${i}`, 'person/email': `p${i}@x.org`, 'person/age': i % 90,
      'person/status': ':status/active', 'person/address': { 'address/city': `City ${i % 50}` },
      'person/friend': [0, 1, 2].map(() => -(Math.floor(rnd() * N) + 1)),
    });
  }
  const db = d['db_with']!(d['empty_db']!(schema), tx);
  const ids = (d['q']!('[:find [?e ...] :where [?e "person/name"]]', db) as number[]).sort((a, b) => a - b);
  return { db, ids };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(f: () => unknown, rounds = 15): number {
  for (let i = 0; i < 3; i++) f(); // warm up the JIT and caches
  const ts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const c = await cairn();
const d = datascript();
const dsPullMany = (ds as unknown as { pull_many: (db: unknown, p: string, ids: number[]) => unknown }).pull_many;
const cases: [string, string, string][] = [
  ['[*]', '[*]', '["*"]'],
  ['nested ref', '[:person/name :person/age {:person/friend [:person/name :person/email]}]',
    '["person/name" "person/age" {"person/friend" ["person/name" "person/email"]}]'],
];
for (const [title, cp, dp] of cases) {
  const sample = pullMany(c.db, cp, c.ids);
  if (sample instanceof Promise) throw new Error('expected a warm, synchronous pull');
  const tc = time(() => pullMany(c.db, cp, c.ids));
  const td = time(() => dsPullMany(d.db, dp, d.ids));
  console.log(`${title.padEnd(12)} cairn ${tc.toFixed(2)} ms   datascript ${td.toFixed(2)} ms   ratio ${(td / tc).toFixed(1)}x`);
}

// Where the time goes: the EAVT slices alone (one per entity pulled by the nested pattern).
const friendIds: number[] = [];
for (const e of c.ids) for (const d of c.db.search(e, 'person/friend') as { v: number }[]) friendIds.push(d.v);
const slices = [...c.ids, ...friendIds];
console.log(`${slices.length} EAVT slices alone: ${time(() => { for (const e of slices) c.db.search(e); }).toFixed(2)} ms`);
