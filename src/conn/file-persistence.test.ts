// Durable persistence through the public API on the file backend: write, release, reconnect and
// query (history and time travel included), and a writer process killed mid-commit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asOf, connect, createDatabase, datoms, db, history, q, release, since, transact } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }), 60_000);

const schema = [
  { 'db/ident': 'item/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'item/count', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'item/tags', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/many' },
];

describe('file backend persistence', () => {
  it('reconnects to the same results, history, asOf and since', async () => {
    const config = { store: { backend: 'file', id: 'inventory', path: dir }, branchingFactor: 16 };
    await createDatabase(config);
    let conn = await connect(config);
    await transact(conn, schema);
    const ts: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await transact(conn, [{ 'item/name': `item${i % 20}`, 'item/count': i, 'item/tags': [`tag/t${i % 3}`] }]);
      ts.push(r.dbAfter.basisT);
    }
    const queries = {
      current: '[:find ?n ?c :where [?e :item/name ?n] [?e :item/count ?c]]',
      tags: '[:find ?n (count ?t) :where [?e :item/name ?n] [?e :item/tags ?t]]',
    };
    const snapshot = async () => ({
      current: await q(queries.current, db(conn)),
      tags: await q(queries.tags, db(conn)),
      hist: (await datoms(history(db(conn)), 'eavt')).map((d) => [d.e, d.a, d.v, d.tx, d.added]),
      asOf: await q(queries.current, asOf(db(conn), ts[25]!)),
      since: await q(queries.current, since(db(conn), ts[50]!)),
    });
    const before = await snapshot();
    expect((before.current as unknown[]).length).toBe(20);
    expect(before.hist.some((d) => d[4] === false)).toBe(true);
    await release(conn);
    conn = await connect(config);
    expect(await snapshot()).toEqual(before);
    await release(conn);
  });

  it('a writer killed mid-commit leaves the last good commit readable', async () => {
    const config = { store: { backend: 'file', id: 'killed', path: dir }, branchingFactor: 32 };
    await createDatabase(config);
    const conn0 = await connect(config);
    await transact(conn0, schema);
    await release(conn0);
    // The child commits numbered transactions as fast as it can and prints each one it saw committed.
    const script = `
      import { connect, transact } from ${JSON.stringify(join(process.cwd(), 'src/node.ts'))}; // the Node entry: file backend registered
      const conn = await connect(${JSON.stringify(config)});
      for (let i = 0; ; i++) {
        const big = Array.from({ length: 1 + (i % 7) * 12 }, (_, j) => ({ 'item/name': 'k' + i + '-' + j, 'item/count': i }));
        await transact(conn, big);
        process.stdout.write(i + '\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let committed = -1;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        for (const line of b.toString().split('\n')) if (line) committed = Number(line);
        if (committed >= 20) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.on('exit', r));
    const conn = await connect(config);
    // Every transaction the child saw committed is there, whole; any later one is all-or-nothing.
    const counts = (await q('[:find ?c (count ?e) :where [?e :item/count ?c]]', db(conn))) as [number, number][];
    const byTx = new Map(counts);
    for (let i = 0; i <= committed; i++) expect(byTx.get(i), `tx ${i}`).toBe(1 + (i % 7) * 12);
    for (const [i, n] of byTx) if (i > committed) expect(n).toBe(1 + (i % 7) * 12);
    await transact(conn, [{ 'item/name': 'after-crash', 'item/count': -1 }]);
    await release(conn);
  });
});
