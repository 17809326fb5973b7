// Several app servers over one PostgreSQL: four Node processes connect to the same database
// and each runs 250 transactions at once, then 25 more one at a time (interleaving commits). Every transaction must land exactly once, in one
// total order (strictly increasing tx ids), and every process's listener must hear all 1100
// of them in that order (its own commits, and the others' through LISTEN/NOTIFY or a CAS
// conflict's reload); a fresh connection afterwards sees all of them.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { pgServerUrl } from '../../test/pg-server.js';
import { connect, createDatabase, db, deleteDatabase, q, release, transact } from '../api.js';

const here = dirname(fileURLToPath(import.meta.url));
const url = await pgServerUrl();

interface Summary {
  readonly own: [string, number][];
  readonly heard: { tx: number; name: string | null }[];
  readonly reconnectNames: number;
}

function startWriter(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'pg-writer.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<Summary>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`writer ${args[3]} exited with ${code}: ${err}`));
      resolve(JSON.parse(out.slice(out.indexOf('ready\n') + 6).trim()) as Summary);
    });
  });
  ready.catch(() => {});
  return {
    child,
    ready: Promise.race([
      ready,
      done.then(() => {
        throw new Error(`writer ${args[3]} ended before ready: ${err}`);
      }),
    ]),
    done,
  };
}

it('four processes x (250 concurrent + 25 sequential) transactions: each lands once, in one order, heard by all', async () => {
  const PROCS = 4;
  const COUNT = 250; // at once, per process
  const AWAITED = 25; // then one at a time, per process: interleaved commits racing for the head
  const PER = COUNT + AWAITED;
  const table = 'cairndb_processes';
  const id = `procs-${Date.now().toString(36)}`;
  const config = { store: { backend: 'postgresql', id, connection: url, table } };
  await createDatabase(config);
  const setup = await connect(config);
  await transact(setup, [{ 'db/ident': 'w/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  await release(setup);

  const names = Array.from({ length: PROCS }, (_, i) => `p${i}`);
  const writers = names.map((n) => startWriter([url, table, id, n, String(COUNT), String(AWAITED), String(PROCS * PER)]));
  await Promise.all(writers.map((w) => w.ready));
  for (const w of writers) w.child.stdin.end('go\n'); // all start together
  const summaries = await Promise.all(writers.map((w) => w.done));

  // Exactly once: 1000 distinct tx ids, one per transaction, one entity per name, and each
  // name stored by exactly the transaction its process was told committed it.
  const allOwn = summaries.flatMap((s) => s.own.map(([, tx]) => tx));
  expect(new Set(allOwn).size).toBe(PROCS * PER);
  const conn = await connect(config);
  const rows = (await q('[:find ?n (count ?e) :where [?e :w/name ?n]]', db(conn))) as [string, number][];
  expect(rows).toHaveLength(PROCS * PER);
  expect(rows.every(([, c]) => c === 1)).toBe(true);
  const expected = names.flatMap((n) => Array.from({ length: PER }, (_, i) => `${n}-${i}`)).sort();
  expect(rows.map(([n]) => n).sort()).toEqual(expected);
  const stored = new Map((await q('[:find ?n ?tx :where [_ :w/name ?n ?tx]]', db(conn))) as [string, number][]);
  expect(new Map(summaries.flatMap((s) => s.own))).toEqual(stored);

  // One total order, heard by everyone: each listener saw every transaction exactly once,
  // in strictly increasing tx order, and the same sequence as every other process.
  const sequences = summaries.map((s) => s.heard.filter((h) => h.name !== null));
  for (const seq of sequences) {
    expect(seq).toHaveLength(PROCS * PER);
    for (let i = 1; i < seq.length; i++) expect(seq[i]!.tx).toBeGreaterThan(seq[i - 1]!.tx);
    expect(seq).toEqual(sequences[0]);
  }
  expect(new Set(sequences[0]!.map((h) => h.tx))).toEqual(new Set(allOwn));
  for (const s of summaries) expect(s.reconnectNames).toBe(PROCS * PER);
  await release(conn);
  await deleteDatabase(config);
}, 600_000);
