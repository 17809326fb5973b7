// A worker script as an app would write one to use transaction functions: register them on the
// engine, then load the standard worker (both share the engine module).
import { q, registerTxFunction, type Db } from '../../src/index.js';

registerTxFunction('counter/inc', async (db: Db, id: string, by: number) => {
  const n = (await q('[:find ?n . :in $ ?id :where [?e :counter/id ?id] [?e :counter/n ?n]]', db, id)) as number | null;
  if (n === null) throw new Error(`no counter ${id}`);
  return [['db/add', ['counter/id', id], 'counter/n', n + by]];
});

await import('../worker.js');
