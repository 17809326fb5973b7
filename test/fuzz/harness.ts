// The fuzzer: calls every public function with hostile arguments (values.ts) and checks the
// promise the API makes about bad input — it fails with a CairnError that has a known code,
// never a plain TypeError/RangeError, and a failed transaction leaves the database as it was.
// At the end a second, private connection reopens the store and must read back exactly the
// datoms the live connection holds (values must not change on reopen).
//
// Seeded (util/random.ts), so a failure prints a seed and a case number that replay it.

import * as cairn from '../../src/index.js';
import { api as engineApi } from '../../src/api.js';
import { CairnError, ErrorCodes, type Connection, type Db } from '../../src/index.js';
import { seededRandom, type Random } from '../../src/util/random.js';
import { openWorker, type WorkerEndpoint } from '../../worker/client.js';
import type { ClientApi, ConnHandle } from '../../worker/protocol.js';
import { serveEngine } from '../../worker/serve.js';
import { anyValue, atom, ATTRS, ednText } from './values.js';

export interface FuzzFailure {
  readonly target: string;
  readonly seed: number;
  readonly index: number;
  readonly problem: string;
}

interface Ctx {
  readonly conn: Connection;
  readonly config: cairn.Config;
  /** The worker client (over a MessageChannel to the real engine) and its handle of `conn`. */
  readonly remote: () => Promise<{ client: ClientApi; conn: ConnHandle }>;
  readonly r: Random;
  /** Where a case records a broken promise other than a bad error (e.g. a changed db). */
  readonly problems: string[];
}

type Target = (ctx: Ctx) => unknown;

const SCHEMA = [
  { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'person/email', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/value' },
  { 'db/ident': 'person/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
  { 'db/ident': 'person/friend', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'person/tags', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'person/born', 'db/valueType': 'db.type/instant', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/score', 'db/valueType': 'db.type/double', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/id', 'db/valueType': 'db.type/uuid', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/bytes', 'db/valueType': 'db.type/bytes', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/big', 'db/valueType': 'db.type/bigint', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/pt', 'db/valueType': 'db.type/tuple', 'db/tupleTypes': ['db.type/string', 'db.type/long'], 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'person/nick', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/many' },
];

const PEOPLE = ['Ivan', 'Petr', 'Oleg', 'Anna', 'Vera'].map((n, i) => ({
  'person/name': n,
  'person/email': `${n.toLowerCase()}@x.y`,
  'person/age': 20 + i,
  'person/tags': ['t/a', `t/${i}`],
  'person/born': new Date(2000, i, 1),
  'person/score': i / 3,
  'person/pt': [n, i],
  ...(i > 0 ? { 'person/friend': ['person/name', 'Ivan'] } : {}),
}));

const QUERIES = [
  '[:find ?n :where [?e :person/name ?n]]',
  '[:find ?n . :in $ ?a :where [?e :person/age ?a] [?e :person/name ?n]]',
  '[:find [?n ...] :where [?e :person/friend ?f] [?f :person/name ?n]]',
  '[:find ?e :keys e :where [?e :person/age ?a] [(> ?a 21)]]',
  '[:find (count ?e) . :where [?e :person/name]]',
  '[:find ?s :in $ ?re :where [_ :person/name ?s] [(re-find ?re ?s)]]',
  '[:find (pull ?e [*]) :where [?e :person/name "Ivan"]]',
];

function pick<T>(r: Random, valid: () => T, hostile: () => unknown, pValid = 0.6): T {
  return (r.next() < pValid ? valid() : hostile()) as T;
}

const dumps = new Map<string, Promise<Uint8Array>>();
let importCount = 0;

/** The fixture's export, once per fixture. */
function dumpOf(c: Ctx): Promise<Uint8Array> {
  const id = c.config.store!.id;
  let dump = dumps.get(id);
  if (dump === undefined) {
    const parts: Uint8Array[] = [];
    dump = cairn.exportDb(cairn.db(c.conn), (chunk) => void parts.push(chunk.slice())).then(() => new Uint8Array(Buffer.concat(parts)));
    dumps.set(id, dump);
  }
  return dump;
}

/** What an import reads: the fixture's own dump damaged (bytes changed, cut, inserted), or anything. */
async function importSource(c: Ctx): Promise<cairn.Source> {
  return (c.r.next() < 0.7 ? damaged(c.r, await dumpOf(c)) : anyValue(c.r)) as cairn.Source;
}

/** The engine's API or the worker client's: what an import into a fresh database calls. */
interface Importer<C> {
  createDatabase(config: cairn.Config): Promise<unknown>;
  connect(config: cairn.Config): Promise<C>;
  importDb(conn: C, source: cairn.Source, options?: cairn.MigrateOptions): Promise<unknown>;
  release(conn: C): Promise<unknown>;
  deleteDatabase(config: cairn.Config): Promise<unknown>;
}

/** An import into a fresh database of the fixture's schema flexibility, deleted after. */
async function importFresh<C>(api: Importer<C>, c: Ctx): Promise<unknown> {
  const source = await importSource(c);
  const config = { store: { backend: 'memory', id: `fuzz-import-${importCount++}` }, schemaFlexibility: c.config.schemaFlexibility };
  await api.createDatabase(config);
  const conn = await api.connect(config);
  try {
    return await api.importDb(conn, source, migrateOptionsArg(c));
  } finally {
    await api.release(conn);
    await api.deleteDatabase(config);
  }
}

/** exportDb's sink: a function, or (less often) anything. */
const sinkArg = (c: Ctx): cairn.Sink =>
  pick(
    c.r,
    () => () => {},
    () => anyValue(c.r),
    0.8,
  );

/** exportDb's or importDb's options: none, or (less often) anything. */
const migrateOptionsArg = (c: Ctx): cairn.MigrateOptions => (c.r.next() < 0.8 ? undefined : anyValue(c.r)) as cairn.MigrateOptions;

function damaged(r: Random, dump: Uint8Array): Uint8Array {
  const b = new Uint8Array(dump);
  switch (r.int(3)) {
    case 0:
      for (let k = r.int(4) + 1; k > 0; k--) b[r.int(b.length)] = r.int(256);
      return b;
    case 1:
      return b.slice(0, r.int(b.length));
    default: {
      const at = r.int(b.length);
      return new Uint8Array([...b.slice(0, at), ...Array.from({ length: r.int(8) + 1 }, () => r.int(256)), ...b.slice(at)]);
    }
  }
}

/** The fixture's connection, or (less often) anything. */
const connArg = (c: Ctx): Connection =>
  pick(
    c.r,
    () => c.conn,
    () => anyValue(c.r),
  );

const someDb = (c: Ctx): Db => {
  const d = cairn.db(c.conn);
  switch (c.r.int(6)) {
    case 0:
      return cairn.history(d);
    case 1:
      return cairn.asOf(d, 536870914);
    case 2:
      return anyValue(c.r) as Db;
    default:
      return d;
  }
};
const eid = (c: Ctx): unknown =>
  pick(
    c.r,
    () => c.r.pick<unknown>([1, 2, 3, ['person/name', 'Ivan'], ['person/email', 'anna@x.y'], 'person/name']),
    () => anyValue(c.r),
  );
const attrName = (c: Ctx): string =>
  pick(
    c.r,
    () => c.r.pick(ATTRS),
    () => anyValue(c.r),
  );
/** datoms/seekDatoms arguments: a db, an index name (or hostile value) and up to three components. */
const indexArgs = (c: Ctx): [Db, 'eavt' | 'aevt' | 'avet', ...unknown[]] => [
  someDb(c),
  pick(
    c.r,
    () => c.r.pick(['eavt', 'aevt', 'avet'] as const),
    () => anyValue(c.r),
  ),
  ...[eid(c), attrName(c), anyValue(c.r)].slice(0, c.r.int(4)),
];
const hostileArgs = (c: Ctx): unknown[] => Array.from({ length: c.r.int(4) }, () => anyValue(c.r));

/** Tx data: mutated entity maps and list forms, or anything at all. */
function txData(c: Ctx): unknown {
  const { r } = c;
  const op = (): unknown => {
    switch (r.int(8)) {
      case 0:
      case 1: {
        const m: Record<string, unknown> = {};
        for (let i = 1 + r.int(3); i > 0; i--)
          // biome-ignore lint/suspicious/noSparseArray: a sparse tuple is one of the fuzzed inputs
          m[r.pick(ATTRS)] = r.next() < 0.5 ? anyValue(r) : r.pick<unknown>(['Ivan', 'Zoe', 30, 'x\ud800', [,], ['a', 1], new Date(NaN)]);
        return m;
      }
      case 2:
        return [
          r.pick(['db/add', 'db/retract', 'db/retractEntity', 'db/cas', 'db.fn/cas', ':db/add', 'db/nope', anyValue(r)]),
          eid(c),
          attrName(c),
          anyValue(r),
          anyValue(r),
        ];
      case 3:
        return ['db/add', r.pick<unknown>([-1, 'new', 1, 2]), r.pick(ATTRS), anyValue(r)];
      case 4:
        return r.pick<unknown>([new Map([['person/name', 'Map']]), Object.assign(Object.create(null), { 'person/name': 'NullProto' })]);
      default:
        return anyValue(r);
    }
  };
  switch (r.int(6)) {
    case 0:
      return anyValue(r);
    case 1:
      return ednText(r);
    case 2:
      return { txData: Array.from({ length: r.int(4) }, op), txMeta: anyValue(r) };
    default:
      return Array.from({ length: 1 + r.int(4) }, op);
  }
}

function queryArg(c: Ctx): unknown {
  const { r } = c;
  switch (r.int(6)) {
    case 0:
      return r.pick(QUERIES);
    case 1:
      return ednText(r);
    case 2:
      return anyValue(r);
    case 3:
      return {
        query: r.pick<unknown>([...QUERIES, ednText(r), anyValue(r)]),
        args: r.next() < 0.5 ? [someDb(c), anyValue(r)] : anyValue(r),
        offset: atom(r),
        limit: atom(r),
        timeout: atom(r),
      };
    default:
      return `[:find ?e :where ${ednText(r)}]`;
  }
}

function deepPattern(r: Random): unknown {
  let p: unknown = ['person/name'];
  for (let i = 300 + r.int(600); i > 0; i--) p = [{ 'person/friend': p }]; // around the 500 limit
  if (r.next() < 0.3) (p as unknown[]).push({ 'person/friend': p }); // and cyclic
  return p;
}

function patternArg(c: Ctx): unknown {
  const { r } = c;
  if (r.next() < 0.05) return deepPattern(r); // slow to build and parse: rarely
  return r.pick<() => unknown>([
    () => '[*]',
    () => '[:person/name {:person/friend [:person/name]}]',
    () => ednText(r),
    () => anyValue(r),
    () => [r.pick(ATTRS), { [r.pick(ATTRS)]: anyValue(r) }],
  ])();
}

function configArg(c: Ctx): unknown {
  const { r } = c;
  if (r.next() < 0.3) return anyValue(r);
  const store =
    r.next() < 0.3
      ? anyValue(r)
      : { backend: r.pick<unknown>(['memory', 'memory', 'nope', atom(r)]), id: r.pick<unknown>([`fuzz-${r.int(1e9)}`, c.config.store!.id, atom(r)]) };
  const o: Record<string, unknown> = { store };
  for (const k of ['schemaFlexibility', 'keepHistory', 'index', 'branchingFactor', 'initialTx', 'name'])
    if (r.next() < 0.3) o[k] = k === 'initialTx' ? txData(c) : anyValue(r);
  return o;
}

/** One entry per public function. Each builds its arguments and makes the call. */
export const TARGETS: Record<string, Target> = {
  createDatabase: (c) => cairn.createDatabase(configArg(c) as cairn.Config),
  deleteDatabase: (c) => {
    const cfg = configArg(c) as { store?: { id?: unknown } };
    if (cfg?.store?.id === c.config.store!.id) return undefined; // keep the fixture
    return cairn.deleteDatabase(cfg as cairn.Config);
  },
  databaseExists: (c) => cairn.databaseExists(configArg(c) as cairn.Config),
  connect: async (c) => {
    const conn = await cairn.connect(configArg(c) as cairn.Config);
    await cairn.release(conn);
  },
  release: (c) => cairn.release(anyValue(c.r) as Connection),
  db: (c) => cairn.db(anyValue(c.r) as Connection),
  transact: async (c) => {
    const before = cairn.db(c.conn);
    try {
      return await cairn.transact(
        pick(
          c.r,
          () => c.conn,
          () => anyValue(c.r),
        ),
        txData(c) as cairn.TransactInput,
      );
    } catch (e) {
      const after = cairn.db(c.conn);
      if (after !== before) c.problems.push(`a failed transaction changed the db: basisT ${before.basisT} -> ${after.basisT}`);
      throw e;
    }
  },
  withDb: (c) => cairn.withDb(someDb(c), txData(c) as cairn.TransactInput),
  q: (c) => {
    const args = c.r.next() < 0.7 ? [someDb(c), ...hostileArgs(c)] : hostileArgs(c);
    return cairn.q(queryArg(c) as string, ...args);
  },
  explain: (c) => {
    const args = c.r.next() < 0.7 ? [someDb(c), ...hostileArgs(c)] : hostileArgs(c);
    return cairn.explain(queryArg(c) as string, ...args);
  },
  // A filtered db is used (a query over it) so a bad predicate shows where it runs.
  filter: (c) => {
    const pred = pick(
      c.r,
      () => (_db: Db, d: cairn.Datom) => d.e % 2 === 0,
      () => anyValue(c.r),
    );
    return cairn.q('[:find ?n :where [_ :person/name ?n]]', cairn.filter(someDb(c), pred as cairn.DatomPredicate));
  },
  storeSize: (c) => cairn.storeSize(connArg(c)),
  syncStatus: (c) => cairn.syncStatus(connArg(c)),
  onSync: (c) => cairn.onSync(connArg(c), anyValue(c.r) as never),
  registerAggregate: (c) =>
    cairn.registerAggregate(
      pick(
        c.r,
        () => `fuzz-agg-${c.r.int(4)}`,
        () => anyValue(c.r),
      ),
      anyValue(c.r) as never,
    ),
  registerTxFunction: (c) =>
    cairn.registerTxFunction(
      pick(
        c.r,
        () => `fuzz/fn-${c.r.int(4)}`,
        () => anyValue(c.r),
      ),
      anyValue(c.r) as never,
    ),
  pull: (c) => cairn.pull(someDb(c), patternArg(c) as string, eid(c) as number),
  pullMany: (c) =>
    cairn.pullMany(
      someDb(c),
      patternArg(c) as string,
      pick(
        c.r,
        () => [eid(c), eid(c)],
        () => anyValue(c.r),
      ) as number[],
    ),
  entity: async (c) => {
    const e = await cairn.entity(someDb(c), eid(c) as number);
    return e === null ? null : (e as { get(a: string): unknown }).get(attrName(c));
  },
  datoms: (c) => cairn.datoms(...indexArgs(c)),
  seekDatoms: (c) => cairn.seekDatoms(...indexArgs(c)),
  indexRange: (c) => cairn.indexRange(someDb(c), attrName(c), anyValue(c.r) as cairn.Value, anyValue(c.r) as cairn.Value),
  history: (c) => cairn.history(anyValue(c.r) as Db),
  asOf: (c) => cairn.asOf(someDb(c), anyValue(c.r) as number),
  since: (c) => cairn.since(someDb(c), anyValue(c.r) as number),
  listen: (c) => {
    const unlisten = cairn.listen(
      pick(
        c.r,
        () => c.conn,
        () => anyValue(c.r),
      ),
      anyValue(c.r) as cairn.Listener,
    );
    unlisten();
  },
  schema: (c) => cairn.schema(someDb(c)),
  reverseSchema: (c) => cairn.reverseSchema(someDb(c)),
  gcStorage: (c) =>
    cairn.gcStorage(
      pick(
        c.r,
        () => c.conn,
        () => anyValue(c.r),
        0.8,
      ),
      anyValue(c.r) as Date,
    ),
  registerBackend: (c) =>
    cairn.registerBackend(
      pick(
        c.r,
        () => `fuzz-${c.r.int(4)}`,
        () => anyValue(c.r),
      ),
      anyValue(c.r) as cairn.Backend,
    ),
  registerIndex: (c) =>
    cairn.registerIndex(
      pick(
        c.r,
        () => `fuzz-${c.r.int(4)}`,
        () => anyValue(c.r),
      ),
      anyValue(c.r) as cairn.IndexFactory,
    ),
  kw: (c) => cairn.kw(anyValue(c.r) as string),
  exportDb: (c) =>
    cairn.exportDb(
      pick(
        c.r,
        () => someDb(c),
        () => anyValue(c.r),
        0.8,
      ),
      sinkArg(c),
      migrateOptionsArg(c),
    ),
  importDb: (c) => importFresh(cairn, c),
  // Live queries deliver their errors to the subscriber: the first result or error is judged.
  liveQuery: (c) => {
    const conn = pick(
      c.r,
      () => c.conn,
      () => anyValue(c.r),
      0.9,
    );
    const inputs = c.r.next() < 0.3 ? [...hostileArgs(c), conn] : hostileArgs(c);
    return firstOf(cairn.liveQuery(conn, queryArg(c) as string, ...inputs));
  },
  livePull: (c) =>
    firstOf(
      cairn.livePull(
        pick(
          c.r,
          () => c.conn,
          () => anyValue(c.r),
          0.9,
        ),
        patternArg(c) as string,
        eid(c) as number,
      ),
    ),
  // Through the worker boundary: what postMessage cannot carry must fail as worker/protocol.
  'client.transact': async (c) => {
    const { client, conn } = await c.remote();
    const before = cairn.db(c.conn);
    try {
      return await client.transact(conn, txData(c) as cairn.TransactInput);
    } catch (e) {
      if (cairn.db(c.conn) !== before) c.problems.push('a failed transaction through the client changed the db');
      throw e;
    }
  },
  'client.q': async (c) => {
    const { client, conn } = await c.remote();
    return client.q(queryArg(c) as string, ...(c.r.next() < 0.7 ? [client.db(conn), ...hostileArgs(c)] : hostileArgs(c)));
  },
  'client.pull': async (c) => {
    const { client, conn } = await c.remote();
    return client.pull(c.r.next() < 0.8 ? client.db(conn) : (anyValue(c.r) as never), patternArg(c) as string, eid(c) as number);
  },
  'client.datoms': async (c) => {
    const { client, conn } = await c.remote();
    return client.datoms(
      client.db(conn),
      pick(
        c.r,
        () => c.r.pick(['eavt', 'aevt', 'avet'] as const),
        () => anyValue(c.r),
      ),
      ...[eid(c), attrName(c), anyValue(c.r)].slice(0, c.r.int(4)),
    );
  },
  'client.withDb': async (c) => {
    const { client, conn } = await c.remote();
    return client.withDb(c.r.next() < 0.8 ? client.db(conn) : (anyValue(c.r) as never), txData(c) as cairn.TransactInput);
  },
  'client.indexRange': async (c) => {
    const { client, conn } = await c.remote();
    return client.indexRange(client.db(conn), attrName(c) as string, anyValue(c.r) as never, anyValue(c.r) as never);
  },
  'client.views': async (c) => {
    const { client, conn } = await c.remote();
    const d = client.db(conn);
    const t = c.r.next() < 0.5 ? 536870913 + c.r.int(4) : anyValue(c.r);
    const view = [() => client.history(d), () => client.asOf(d, t as number), () => client.since(d, t as number)][c.r.int(3)]!();
    return client.datoms(view, 'eavt', eid(c) as number);
  },
  'client.exportDb': async (c) => {
    const { client, conn } = await c.remote();
    return client.exportDb(client.db(conn), sinkArg(c), migrateOptionsArg(c));
  },
  'client.importDb': async (c) => importFresh((await c.remote()).client, c),
  'client.listen': async (c) => {
    const { client, conn } = await c.remote();
    const stop = await client.listen(
      pick(
        c.r,
        () => conn,
        () => anyValue(c.r),
        0.8,
      ),
      anyValue(c.r) as never,
    );
    if (typeof stop === 'function') await stop();
  },
};

/** Subscribe, take the first result (resolved) or error (rejected, for badError), unsubscribe. */
function firstOf(live: cairn.LiveQuery<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let stop: (() => void) | undefined;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      stop?.();
      finish();
    };
    stop = live.subscribe(
      (v) => settle(() => resolve(v)),
      (e) => settle(() => reject(e)),
    );
    if (settled) stop();
  });
}

/** A client over a MessageChannel to the real engine, as a worker would serve it. */
async function remoteOf(config: cairn.Config): Promise<{ client: ClientApi; conn: ConnHandle; close(): void }> {
  const { port1, port2 } = new MessageChannel();
  serveEngine(engineApi, port2, { probeIndexedDb: async () => 'no IndexedDB in Node' });
  const endpoint: WorkerEndpoint = {
    postMessage: (m: unknown, t?: Transferable[]) => port1.postMessage(m, t ?? []),
    addEventListener: port1.addEventListener.bind(port1) as WorkerEndpoint['addEventListener'],
    removeEventListener: port1.removeEventListener.bind(port1) as WorkerEndpoint['removeEventListener'],
    start: () => port1.start(),
    terminate: () => port1.close(),
  };
  const client = openWorker(endpoint, { resyncOnVisible: false });
  const conn = await client.connect(config);
  return {
    client,
    conn,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

/** Why `e` breaks the promise (a plain error, an unknown code), or null if it keeps it. */
function badError(e: unknown): string | null {
  if (!(e instanceof CairnError)) {
    const name = e instanceof Error ? e.name : typeof e;
    const msg = e instanceof Error ? e.message : '';
    const where =
      e instanceof Error && e.stack
        ? e.stack
            .split('\n')
            .filter((l) => l.includes('/src/'))
            .slice(0, 3)
            .join('\n')
        : '';
    return `threw a plain ${name}: ${msg.slice(0, 200)}\n${where}`;
  }
  if (!(ErrorCodes as readonly string[]).includes(e.code)) return `CairnError with unknown code ${String(e.code)}`;
  try {
    JSON.stringify(e.data); // data must be JSON-safe: it crosses the worker boundary
  } catch (x) {
    return `CairnError ${e.code} with data that is not JSON-safe: ${String(x)}`;
  }
  return null;
}

let fixtureCount = 0;

/** The fuzzed database: schema-on-write, or schema-on-read (where undeclared attributes take any value). */
export async function fixture(schemaFlexibility: 'write' | 'read' = 'write'): Promise<{ conn: Connection; config: cairn.Config }> {
  const config = { store: { backend: 'memory', id: `fuzz-fixture-${fixtureCount++}` }, schemaFlexibility };
  await cairn.createDatabase(config);
  const conn = await cairn.connect(config);
  await cairn.transact(conn, SCHEMA);
  await cairn.transact(conn, PEOPLE);
  return { conn, config };
}

/** Run `cases` calls of one target; returns every broken promise found. */
export async function fuzzTarget(name: string, seed: number, cases: number): Promise<FuzzFailure[]> {
  Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 200); // to name the src/ frame of a stack overflow
  const target = TARGETS[name];
  if (!target) throw new Error(`no fuzz target ${name}`);
  const { conn, config } = await fixture(seed % 2 === 0 ? 'write' : 'read'); // odd seeds: schema-on-read
  let remote: ReturnType<typeof remoteOf> | undefined;
  const remoteFn = (): ReturnType<typeof remoteOf> => (remote ??= remoteOf(config));
  const failures: FuzzFailure[] = [];
  for (let index = 0; index < cases; index++) {
    // Each case has its own stream, so a failure replays from (seed, index) alone.
    const r = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const problems: string[] = [];
    try {
      await target({ conn, config, remote: remoteFn, r, problems });
    } catch (e) {
      const bad = badError(e);
      if (bad) problems.push(bad);
    }
    for (const problem of problems) failures.push({ target: name, seed, index, problem });
  }
  if (remote !== undefined) {
    const { client, conn: handle, close } = await remote;
    await client.release(handle);
    close();
  }
  const reopened = await reopenDiff(conn, config);
  if (reopened) failures.push({ target: name, seed, index: cases, problem: reopened });
  await cairn.release(conn);
  await cairn.deleteDatabase(config);
  return failures;
}

/** Stable text of a datom value, telling apart what === tells apart. */
function valueKey(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}N` : x instanceof Uint8Array ? [...x] : x)) ?? String(v);
}

async function reopenDiff(conn: Connection, config: cairn.Config): Promise<string | null> {
  const live = await cairn.datoms(cairn.db(conn), 'eavt');
  const other = await cairn.connect(config, { shared: false });
  try {
    const back = await cairn.datoms(cairn.db(other), 'eavt');
    if (back.length !== live.length) return `reopened store has ${back.length} datoms, the live connection ${live.length}`;
    for (let i = 0; i < live.length; i++) {
      const a = live[i]!;
      const b = back[i]!;
      if (a.e !== b.e || a.a !== b.a || a.tx !== b.tx || valueKey(a.v) !== valueKey(b.v)) {
        return `value changed on reopen: [${a.e} ${a.a} ${valueKey(a.v)}] read back as [${b.e} ${b.a} ${valueKey(b.v)}]`;
      }
    }
    return null;
  } finally {
    await cairn.release(other);
  }
}
