// What a purge costs: one entity purged from the people set (5 datoms a person) on each index,
// memory backend (the engine's work without I/O), after 300 one-person commits so that the
// hitchhiker tree's buffers hold messages. `node --import tsx bench/node/purge.ts [persons]`
// prints wall and CPU ms per index and the index nodes the purging commit wrote.
import { connect, createDatabase, db, deleteDatabase, q, registerBackend, release, transact } from '../../src/node.js';
import { countingBackend, newCounts } from '../../src/conn/counting-backend.js';
import { createMemoryBackend } from '../../src/store/memory.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

const persons = Number(process.argv[2] ?? 200_000);
const counts = newCounts();
registerBackend('bench-purge', countingBackend(createMemoryBackend(), counts));

const ps = people(persons);
for (const index of ['persistent-set', 'hitchhiker-tree']) {
  const config = { store: { backend: 'bench-purge', id: `purge-${index}` }, index };
  await createDatabase(config);
  const c = await connect(config);
  await transact(c, cairnSchema);
  for (let i = 0; i < ps.length; i += 20_000) await transact(c, ps.slice(i, i + 20_000).map(cairnEntity));
  for (let i = 0; i < 300; i++) await transact(c, [{ name: `x${i}`, age: i }]);
  const target = await q('[:find ?e . :where [?e :name "x7"]]', db(c));
  const stored = counts.nodesWritten;
  const t = performance.now();
  const cpu = process.cpuUsage();
  await transact(c, [['db.purge/entity', target]]);
  const used = process.cpuUsage(cpu);
  console.log(
    `${index}: one entity purged from ${(persons * 5).toLocaleString('en')} datoms: ${(performance.now() - t).toFixed(1)} ms wall, ` +
      `${((used.user + used.system) / 1000).toFixed(1)} ms CPU, ${counts.nodesWritten - stored} index nodes written (the database's commits wrote ${stored})`,
  );
  await release(c);
  await deleteDatabase(config);
  Object.assign(counts, newCounts());
}
