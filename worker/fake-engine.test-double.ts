// A TEST DOUBLE of the engine, for Node unit tests of the worker boundary only. It implements
// the EngineApi shape over a trivial in-memory datom list; it is not CairnDB's engine and its
// query/pull answers are canned echoes that show which Db value the worker resolved.

import { CairnError } from '../src/util/errors.js';
import { Datom } from '../src/db/types.js';
import type { Config, Connection, Db, EngineApi, Listener, TxReport } from '../src/engine.js';
import type { Coordinator } from './coordination.js';
import { Live } from '../src/live/subscribable.js';

export interface FakeDb {
  readonly basisT: number;
  readonly maxTx: number;
  readonly datomList: readonly Datom[];
  /** The view chain, e.g. ['history', 'asOf:536870914'], so tests can see what was applied. */
  readonly viewChain: readonly string[];
  readonly speculative: boolean;
}

interface FakeConn extends Connection {
  current: FakeDb;
  readonly listeners: Set<Listener>;
  released: boolean;
  readonly coordinator: Coordinator | undefined;
}

const TX0 = 0x20000000;

export interface FakeEngine extends EngineApi {
  /** Make the next transact hang until the returned function is called. */
  hangNextTransact(): () => void;
  readonly released: Connection[];
  /** Live queries currently subscribed (tests check none is left behind). */
  readonly liveQueries: Set<unknown>;
}

export function fakeEngine(): FakeEngine {
  const stores = new Map<string, FakeDb>();
  const released: Connection[] = [];
  const liveQueries = new Set<unknown>();
  let hang: Promise<void> | null = null;
  const key = (c: Config): string => `${c.store?.backend}:${c.store?.id}`;
  const asDb = (d: FakeDb): Db => d as unknown as Db;
  const asFake = (d: Db): FakeDb => d as unknown as FakeDb;
  const view = (d: Db, v: string): Db => asDb({ ...asFake(d), viewChain: [...asFake(d).viewChain, v] });
  const live = (c: Connection): FakeConn => {
    const fc = c as FakeConn;
    if (fc.released) throw new CairnError('db/released', 'released');
    return fc;
  };

  const apply = (db: FakeDb, input: unknown, speculative: boolean): { after: FakeDb; datoms: Datom[] } => {
    const ops = (typeof input === 'object' && input !== null && 'txData' in input ? (input as { txData: unknown }).txData : input) as unknown[];
    if (!Array.isArray(ops)) throw new CairnError('transact/syntax', `tx data must be an array, got ${JSON.stringify(ops)}`, { input: String(ops) });
    const tx = db.maxTx + 1;
    const datoms = ops.map((op) => {
      if (!Array.isArray(op) || op[0] !== 'db/add') throw new CairnError('transact/syntax', `unsupported op ${JSON.stringify(op)}`, { op: JSON.stringify(op) });
      return new Datom(op[1] as number, op[2] as string, op[3] as string, tx, true);
    });
    return { after: { basisT: tx, maxTx: tx, datomList: [...db.datomList, ...datoms], viewChain: [], speculative }, datoms };
  };

  return {
    released,
    hangNextTransact() {
      let release!: () => void;
      hang = new Promise((r) => (release = r));
      return release;
    },
    async createDatabase(config = {}) {
      if (stores.has(key(config))) throw new CairnError('db/exists', `database ${key(config)} exists`, { store: key(config) });
      stores.set(key(config), { basisT: TX0, maxTx: TX0, datomList: [], viewChain: [], speculative: false });
    },
    async deleteDatabase(config) {
      stores.delete(key(config));
    },
    async databaseExists(config) {
      return stores.has(key(config));
    },
    async connect(config: Config, options?: { coordinator?: Coordinator }) {
      const current = stores.get(key(config));
      if (!current) throw new CairnError('db/missing', `no database ${key(config)}`, { store: key(config) });
      const c: FakeConn = { config, current, listeners: new Set(), released: false, coordinator: options?.coordinator };
      return c;
    },
    async release(conn) {
      const c = live(conn);
      c.released = true;
      c.coordinator?.close(); // like src/conn: the connection owns its coordinator
      released.push(conn);
    },
    db: (conn) => asDb(live(conn).current),
    async transact(conn, input) {
      const c = live(conn);
      if (hang) {
        const h = hang;
        hang = null;
        await h;
      }
      const before = c.current;
      const { after, datoms } = apply(before, input, false);
      c.current = after;
      stores.set(key(c.config), after);
      const report: TxReport = { dbBefore: asDb(before), dbAfter: asDb(after), txData: datoms, tempids: { 'db/current-tx': after.maxTx }, txMeta: {} };
      for (const l of c.listeners) l(report);
      return report;
    },
    async exportDb() {
      return { datoms: 0, total: 0 };
    },
    async importDb() {
      return { datoms: 0, total: 0 };
    },
    async explain(query, ...inputs) {
      return { result: await this.q(query, ...inputs), plan: [] };
    },
    async q(query, ...inputs): Promise<never> {
      // Echo: which Db values (basisT + views) the worker resolved the handles to.
      const echo = (x: unknown): unknown => {
        if (typeof x !== 'object' || x === null || !('datomList' in x)) return x;
        const d = x as FakeDb;
        return { basisT: d.basisT, views: d.viewChain, speculative: d.speculative };
      };
      if (typeof query === 'object' && query !== null && 'query' in query) {
        const m = query as { query: unknown; args?: unknown[] };
        return { query: m.query, inputs: (m.args ?? []).map(echo), map: true } as never;
      }
      return { query, inputs: inputs.map(echo) } as never;
    },
    async pull(db, pattern, eid): Promise<never> {
      const ds = asFake(db).datomList.filter((d) => d.e === eid);
      if (ds.length === 0) return null as never;
      return Object.fromEntries([['db/id', eid], ['pattern', pattern], ...ds.map((d) => [d.a, d.v])]) as never;
    },
    async pullMany(db, pattern, eids): Promise<never> {
      return Promise.all(eids.map((e) => this.pull(db, pattern, e))) as never;
    },
    async datoms(db, _index, ...components) {
      return asFake(db).datomList.filter((d) => components[0] === undefined || d.e === components[0]);
    },
    async seekDatoms(db) {
      return [...asFake(db).datomList];
    },
    async indexRange(db, attr) {
      return asFake(db).datomList.filter((d) => d.a === attr);
    },
    history: (db) => view(db, 'history'),
    asOf: (db, t) => view(db, `asOf:${t instanceof Date ? t.toISOString() : t}`),
    since: (db, t) => view(db, `since:${t instanceof Date ? t.toISOString() : t}`),
    async withDb(db, input) {
      const { after, datoms } = apply(asFake(db), input, true);
      return { dbBefore: db, dbAfter: asDb(after), txData: datoms, tempids: {}, txMeta: {} };
    },
    listen(conn, cb) {
      const c = live(conn);
      c.listeners.add(cb);
      return () => c.listeners.delete(cb);
    },
    async schema() {
      return { 'person/name': { 'db/valueType': ':db.type/string' } };
    },
    async reverseSchema() {
      return { 'db.type/string': ['person/name'] };
    },
    async gcStorage() {
      return { deletedNodes: 0, deletedCommits: 0, deletedKeys: [] };
    },
    kw: (name) => `:${name}`,
    // Live: re-run on every commit; the query 'fail' fails; the value echoes the resolved inputs.
    liveQuery(conn, query, ...inputs) {
      const c = live(conn);
      let runs = 0;
      return new Live({
        runs: async () => runs,
        start: (sink) => {
          const run = (): void => {
            runs++;
            if (query === 'fail') sink.error(new CairnError('query/execution', `fake failure at ${c.current.basisT}`, { basisT: c.current.basisT }));
            else sink.value({ query, basisT: c.current.basisT, inputs: inputs.map((x) => (x === conn ? 'CONN' : x)) } as never);
          };
          queueMicrotask(run);
          c.listeners.add(run);
          liveQueries.add(run);
          return () => {
            c.listeners.delete(run);
            liveQueries.delete(run);
          };
        },
      });
    },
    livePull(conn, pattern, eid) {
      return this.liveQuery(conn, { pull: pattern, eid } as never) as never;
    },
    liveQueries,
  };
}
