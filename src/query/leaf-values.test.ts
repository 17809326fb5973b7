// Constant-value scans over attributes without AVET read per-leaf value lists from the second
// scan of a leaf on (leaf-values.ts): the answers must be the plain scan's, before and after the
// lists exist, across leaves, and for every later database value, where edited leaves are new
// arrays.

import { describe, expect, it } from 'vitest';
import { emptyDb } from '../db/parts.js';
import type { Db } from '../db/types.js';
import { withDb } from '../tx/index.js';
import { seededRandom } from '../util/random.js';
import { q } from './index.js';

const SCHEMA = [
  { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'sex', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
];
const NAMES = ['Ivan', 'Oleg', 'Petr'];

describe('constant-value scans with per-leaf value lists', () => {
  it('answer as the plain scan does on every repetition and every later value', async () => {
    const rnd = seededRandom(11);
    let db: Db = (await withDb(emptyDb(), SCHEMA)).dbAfter;
    // enough persons for several leaves per attribute
    const people = Array.from({ length: 3000 }, (_, i) => ({ 'db/id': `p${i}`, name: rnd.pick(NAMES), sex: rnd.pick([':male', ':female']), age: rnd.int(50) }));
    db = (await withDb(db, people)).dbAfter;
    // the Db's own AEVT scan filtered by its value comparator: no query engine involved
    const expected = async (d: Db, name: string): Promise<number[]> => (await d.search(undefined, 'name', name)).map((x) => x.e).sort((a, b) => a - b);
    for (let round = 0; round < 4; round++) {
      for (const name of NAMES) {
        const got = ((await q('[:find [?e ...] :in $ ?n :where [?e :name ?n]]', db, name)) as number[]).sort((a, b) => a - b);
        const lit = ((await q(`[:find [?e ...] :where [?e :name "${name}"]]`, db)) as number[]).sort((a, b) => a - b);
        expect(lit).toEqual(await expected(db, name));
        expect(got).toEqual(lit);
        const men = ((await q(`[:find [?e ...] :where [?e :name "${name}"] [?e :sex :male] [?e :age 7]]`, db)) as number[]).sort((a, b) => a - b);
        const want: number[] = [];
        for (const e of lit) {
          const [sex] = await db.search(e, 'sex');
          const [age] = await db.search(e, 'age');
          if (sex?.v === ':male' && age?.v === 7) want.push(e);
        }
        expect(men).toEqual(want);
      }
      // a new value each round: renames spread over the leaves
      const ivans = (await db.search(undefined, 'name', 'Ivan')).slice(0, 50);
      db = (
        await withDb(
          db,
          ivans.map((d) => ['db/add', d.e, 'name', 'Oleg']),
        )
      ).dbAfter;
    }
  });
});
