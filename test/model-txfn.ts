// The transaction function of the random model check (./model-check.ts), registered wherever a
// connection of the check runs: this realm, and the worker of ./model-worker.ts.
import { q, registerTxFunction, type Db } from '../src/index.js';

/** Moves n from one person to another (reads the db it gets); throws when either is missing or short. */
registerTxFunction('model/move', async (d: Db, from: string, to: string, n: number) => {
  const nOf = async (who: string) => (await q('[:find ?n . :in $ ?i :where [?e :p/id ?i] [?e :p/n ?n]]', d, who)) as number | null;
  const [a, b] = [await nOf(from), await nOf(to)];
  if (a === null || b === null || a < n) throw new Error(`cannot move ${n} from ${from} to ${to}`);
  return [
    ['db/add', ['p/id', from], 'p/n', a - n],
    ['db/add', ['p/id', to], 'p/n', b + n],
  ];
});
