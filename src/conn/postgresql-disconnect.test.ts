// Losing PostgreSQL in the middle of a commit. Deterministically mid-commit: an admin session
// holds the head row's lock, so the commit's compare-and-set statement waits on it; then the
// admin kills that backend with pg_terminate_backend. The transaction must reject with
// store/unavailable (or store/io), the last good commit must stay readable, and the next
// transaction — on a fresh pooled connection — must succeed.
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { pgServerUrl } from '../../test/pg-server.js';
import { isCairnError } from '../util/errors.js';
import { connect, createDatabase, databaseExists, db, listen, q, registerBackend, release, transact } from '../api.js';
import { createPostgresBackend } from '../store/postgresql.js';
import { HEAD_KEY } from './commit.js';

const url = await pgServerUrl();
const table = 'cairndb_disconnect';
const admin = new pg.Pool({ connectionString: url, max: 2 });
afterAll(() => admin.end());

const names = async (conn: Awaited<ReturnType<typeof connect>>) => ((await q('[:find [?n ...] :where [_ :item/name ?n]]', db(conn))) as string[]).sort();

it('pg_terminate_backend mid-commit: store/unavailable, last good commit kept, next commit succeeds', async () => {
  const id = `killed-${Date.now().toString(36)}`;
  const app = `cairn-victim-${id}`;
  const config = { store: { backend: 'postgresql', id, table, connection: { connectionString: url, application_name: app } } };
  await createDatabase(config);
  const conn = await connect(config);
  await transact(conn, [{ 'db/ident': 'item/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  await transact(conn, [{ 'item/name': 'good' }]);

  const locker = await admin.connect();
  await locker.query('BEGIN');
  const locked = await locker.query(`SELECT 1 FROM ${table} WHERE store = $1 AND key = $2 FOR UPDATE`, [id, Buffer.from(HEAD_KEY)]);
  expect(locked.rowCount).toBe(1);
  const pending = transact(conn, [{ 'item/name': 'lost' }]).then(
    () => 'committed',
    (e: unknown) => e,
  );

  // Wait (no deadline of our own) until the commit statement is blocked on the head's lock.
  let pid: number | undefined;
  while (pid === undefined) {
    const r = await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]);
    pid = r.rows[0]?.pid as number | undefined;
    if (pid === undefined) await new Promise((res) => setTimeout(res, 20));
  }
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  const outcome = await pending;
  await locker.query('ROLLBACK');
  locker.release();

  expect(isCairnError(outcome, 'store/unavailable') || isCairnError(outcome, 'store/io'), String(outcome)).toBe(true);
  // The connection stays on the last good commit, and so does the store.
  expect(await names(conn)).toEqual(['good']);
  const fresh = await connect(config, { shared: false });
  expect(await names(fresh)).toEqual(['good']);
  await release(fresh);

  // After recovery the next transaction goes through, and everyone sees it.
  await transact(conn, [{ 'item/name': 'after' }]);
  expect(await names(conn)).toEqual(['after', 'good']);
  const again = await connect(config, { shared: false });
  expect(await names(again)).toEqual(['after', 'good']);
  await release(again);
  await release(conn);
}, 120_000);

it('another server hears commits through NOTIFY, also after its listening connection is killed', async () => {
  // Two backend instances = two pools and two listening clients, as two app servers have.
  registerBackend('postgresql-other', createPostgresBackend());
  const id = `heard-${Date.now().toString(36)}`;
  const app = `cairn-listener-${id}`;
  const mine = { store: { backend: 'postgresql', id, table, connection: url } };
  const theirs = { store: { backend: 'postgresql-other', id, table, connection: { connectionString: url, application_name: app } } };
  await createDatabase(mine);
  const writer = await connect(mine);
  await transact(writer, [{ 'db/ident': 'item/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  const reader = await connect(theirs);
  const heard: string[] = [];
  const waiters: (() => void)[] = [];
  listen(reader, (r) => {
    for (const d of r.txData) if (d.a === 'item/name') heard.push(String(d.v));
    for (const w of waiters.splice(0)) w();
  });
  const hear = async (name: string) => {
    while (!heard.includes(name)) await new Promise<void>((r) => waiters.push(r));
  };

  await transact(writer, [{ 'item/name': 'one' }]);
  await hear('one'); // no commit of its own: only the notification can tell the reader

  // Kill the reader's LISTEN connection; it reconnects and re-reads the head.
  let pid: number | undefined;
  while (pid === undefined) {
    const r = await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`, [app]);
    pid = r.rows[0]?.pid as number | undefined;
    if (pid === undefined) await new Promise((res) => setTimeout(res, 20));
  }
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  await transact(writer, [{ 'item/name': 'two' }]);
  await hear('two');
  expect(heard).toEqual(['one', 'two']);
  expect(await names(reader)).toEqual(['one', 'two']);
  await release(reader);
  await release(writer);
}, 120_000);

it('an unreachable server is store/unavailable, and nothing is created', async () => {
  // A port nobody listens on: the admin pool's own server, one below its port range's start.
  const dead = 'postgres://postgres@127.0.0.1:1/postgres';
  const config = { store: { backend: 'postgresql', id: 'nowhere', table, connection: dead } };
  let err: unknown;
  try {
    await createDatabase(config);
  } catch (e) {
    err = e;
  }
  expect(isCairnError(err, 'store/unavailable'), String(err)).toBe(true);
  await expect(databaseExists(config)).rejects.toMatchObject({ code: 'store/unavailable' });
});

it('malformed postgresql config is config/invalid, naming the option', async () => {
  const bad: Record<string, unknown>[] = [
    {},
    { connection: url, pool: admin },
    { connection: 42 },
    { connection: '' },
    { pool: { query: () => {} } },
    { connection: url, table: 'Robert"); DROP TABLE x; --' },
    { connection: url, table: 'a.b.c' },
    { connection: url, table: 'x'.repeat(64) },
    { connection: url, table: 7 },
  ];
  for (const extra of bad) {
    const config = { store: { backend: 'postgresql', id: 'bad-config', ...extra } };
    let err: unknown;
    try {
      await createDatabase(config);
    } catch (e) {
      err = e;
    }
    expect(isCairnError(err, 'config/invalid'), `${JSON.stringify(Object.keys(extra))}: ${String(err)}`).toBe(true);
  }
});
