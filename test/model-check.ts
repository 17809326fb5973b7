// A random model check of the stored database: seeded random transactions (upserts, cardinality
// many, refs by lookup ref and tempid, unique values, composite tuples (one an identity), an
// attribute without history, components in nested maps, reverse refs, tx meta, a transaction
// function, schema changes, retractions (of an attribute too), cas (from nothing too), every
// kind of purge, group commits, both connections at once) go to two connections on one store
// (one of them reading through a two-node cache), between reconnects and GC runs, while a live
// query follows one of them; the same transactions go to an in-memory `withDb` chain, the model.
// Every outcome (committed, or the error code) must agree, and every so often a connection's
// current, history, asOf and since datoms, a recursive rule with aggregates, pulls of components
// and reverse refs, an index range, the live query's last result, and at the end a fresh
// connection and an export imported into a new database, must equal the model's. It found a
// stale writer judging transactions on its old Db, unobserved read rejections, a dump that lost
// a fact made and undone in one transaction, history lost on a reconnect, a released live
// query's noise, and history left inconsistent by a value retracted, asserted and retracted
// again in one transaction.

import {
  asOf,
  connect,
  createDatabase,
  datoms,
  db,
  deleteDatabase,
  exportDb,
  gcStorage,
  history,
  importDb,
  indexRange,
  liveQuery,
  pullMany,
  q,
  release,
  since,
  transact,
  withDb,
  type Connection,
  type Db,
  type Datom,
} from '../src/index.js';
import { emptyDb } from '../src/db/parts.js';
import './model-txfn.js';
import { TX0 } from '../src/db/types.js';
import { seededRandom } from '../src/util/random.js';

/** The calls the check makes through a connection: the cairndb module itself, or a worker client. */
export interface ModelClient {
  connect(config: Record<string, unknown>): Promise<unknown>;
  release(conn: unknown): Promise<void>;
  transact(conn: unknown, input: never): Promise<unknown>;
  db(conn: unknown): unknown;
  history(db: unknown): unknown;
  asOf(db: unknown, t: number): unknown;
  since(db: unknown, t: number): unknown;
  datoms(db: unknown, index: 'eavt' | 'aevt' | 'avet'): Promise<readonly Datom[]>;
  q(query: string, ...inputs: unknown[]): Promise<unknown>;
  gcStorage(conn: unknown): Promise<unknown>;
  liveQuery(conn: unknown, query: string): { subscribe(next: (value: unknown) => void): () => void };
  pullMany(db: unknown, pattern: string, eids: readonly unknown[]): Promise<unknown>;
  indexRange(db: unknown, attr: string, start?: unknown, end?: unknown): Promise<readonly Datom[]>;
  exportDb(db: unknown, sink: (chunk: Uint8Array) => void): Promise<unknown>;
}

/** The cairndb module as a ModelClient, its connections opened with `options` (not shared). */
function moduleClient(options: Record<string, unknown>): ModelClient {
  return {
    connect: (config) => connect(config, { ...options, shared: false }),
    release: (c) => release(c as Connection),
    transact: (c, input) => transact(c as Connection, input),
    db: (c) => db(c as Connection),
    history: (d) => history(d as Db),
    asOf: (d, t) => asOf(d as Db, t),
    since: (d, t) => since(d as Db, t),
    datoms: (d, index) => datoms(d as Db, index),
    q: (query, ...inputs) => q(query, ...inputs),
    gcStorage: (c) => gcStorage(c as Connection),
    liveQuery: (c, query) => liveQuery(c as Connection, query),
    pullMany: (d, pattern, eids) => pullMany(d as Db, pattern, eids as never),
    indexRange: (d, attr, start, end) => indexRange(d as Db, attr, start as never, end as never),
    exportDb: (d, sink) => exportDb(d as Db, sink),
  };
}

/** The configurations a check runs through: with history, without, with attribute refs, schema on read. */
export const MODEL_CONFIGS = [
  { keepHistory: true, attributeRefs: false },
  { keepHistory: false, attributeRefs: false },
  { keepHistory: true, attributeRefs: true },
  { keepHistory: true, attributeRefs: false, schemaFlexibility: 'read' },
] as const;

export interface ModelOptions {
  /** The store of the run's database (a fresh id or place per run; the check deletes the database). */
  readonly store: Record<string, unknown> & { readonly backend: string; readonly id: string };
  readonly index: 'persistent-set' | 'hitchhiker-tree';
  readonly keepHistory: boolean;
  readonly attributeRefs: boolean;
  /** Schema on read (attributes need no declaration); default on write. */
  readonly schemaFlexibility?: 'read' | 'write';
  readonly steps: number;
  /**
   * The two writers, each with its own connection (default: this realm's cairndb module, two
   * unshared connections with the run's tailDatoms). Worker clients need `model/move`
   * registered in their worker (./model-txfn.ts).
   */
  readonly clients?: readonly [ModelClient, ModelClient];
  /** Print every step as it runs. */
  readonly trace?: boolean;
}

const SCHEMA = [
  { 'db/ident': 'p/id', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'p/n', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one', 'db/index': true },
  { 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/tag', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/many' },
  { 'db/ident': 'p/ref', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/mail', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/value' },
  { 'db/ident': 'p/first', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/first+n', 'db/valueType': 'db.type/tuple', 'db/tupleAttrs': ['p/first', 'p/n'], 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/part', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many', 'db/isComponent': true },
  { 'db/ident': 'part/label', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'audit/by', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/note', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/noHistory': true },
  // a member without history, and p/first a member of two composites
  { 'db/ident': 'p/note+first', 'db/valueType': 'db.type/tuple', 'db/tupleAttrs': ['p/note', 'p/first'], 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/x', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'p/y', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  {
    'db/ident': 'p/x+y',
    'db/valueType': 'db.type/tuple',
    'db/tupleAttrs': ['p/x', 'p/y'],
    'db/cardinality': 'db.cardinality/one',
    'db/unique': 'db.unique/identity',
  },
];

const LIVE = '[:find ?i ?n :where [?e :p/id ?i] [?e :p/n ?n]]';
// who reaches whom through p/ref, how many, and the highest p/n there (a recursive rule)
const RULES = '[:find ?i (count-distinct ?j) (max ?n) :in $ % :where [?e :p/id ?i] (reach ?e ?f) [?f :p/id ?j] [?f :p/n ?n]]';
const RULE_SET = '[[(reach ?a ?b) [?a :p/ref ?b]] [(reach ?a ?b) [?a :p/ref ?c] (reach ?c ?b)]]';
const PULL = '[* {:p/part [*]} {:p/ref [:p/id :p/n]} {:p/_ref [:p/id]}]';
/** How long a live query may take to catch up on a commit before the check calls it stale. */
const LIVE_PATIENCE_MS = 20_000;

// Transaction times differ between the store and the model; everything else must be equal.
const plain = (ds: readonly Datom[]): string => JSON.stringify(ds.filter((d) => d.a !== 'db/txInstant').map((d) => [d.e, d.a, d.v, d.tx, d.added]));
const rowsOf = (x: unknown): string => JSON.stringify((x as unknown[]).map((r) => JSON.stringify(r)).sort());
const codeOf = (e: unknown): string => (e as { code?: string }).code ?? String(e);

/** What two JSON arrays of rows hold that the other does not (or their order, when nothing). */
function difference(mine: string, theirs: string): string {
  const a = (JSON.parse(mine) as unknown[]).map((x) => JSON.stringify(x));
  const b = (JSON.parse(theirs) as unknown[]).map((x) => JSON.stringify(x));
  const [sa, sb] = [new Set(a), new Set(b)];
  const onlyA = a.filter((x) => !sb.has(x)).slice(0, 10);
  const onlyB = b.filter((x) => !sa.has(x)).slice(0, 10);
  if (onlyA.length === 0 && onlyB.length === 0) return `the same rows in another order or count (${a.length} against ${b.length})`;
  return `only in the first ${onlyA.join(' ') || '-'}; only in the second ${onlyB.join(' ') || '-'}`;
}

async function views(k: ModelClient, d: unknown, t: number | null, keepHistory: boolean, people: readonly number[]): Promise<[string, string][]> {
  const out: [string, string][] = [
    ['eavt', plain(await k.datoms(d, 'eavt'))],
    ['aevt', plain(await k.datoms(d, 'aevt'))],
    ['avet', plain(await k.datoms(d, 'avet'))],
    ['query', rowsOf(await k.q(LIVE, d))],
    ['rule and aggregates', rowsOf(await k.q(RULES, d, RULE_SET))],
    ['pull', JSON.stringify(await k.pullMany(d, PULL, people))],
    ['index range', plain(await k.indexRange(d, 'p/n', 10, 30))],
  ];
  if (keepHistory) out.push(['history eavt', plain(await k.datoms(k.history(d), 'eavt'))], ['history avet', plain(await k.datoms(k.history(d), 'avet'))]);
  if (t !== null) out.push([`asOf ${t}`, plain(await k.datoms(k.asOf(d, t), 'eavt'))], [`since ${t}`, plain(await k.datoms(k.since(d, t), 'aevt'))]);
  return out;
}
const local = moduleClient({});

/** One seeded run; resolves to null, or to what differed with the last steps that led there. */
export async function checkModel(seed: number, o: ModelOptions): Promise<string | null> {
  const r = seededRandom(seed);
  const tailDatoms = r.pick([undefined, 0, 7, 64]);
  const branchingFactor = r.pick([4, 8, 32]);
  const store = o.store;
  const flexibility = { schemaFlexibility: o.schemaFlexibility ?? 'write' } as const;
  const config = { store, index: o.index, branchingFactor, keepHistory: o.keepHistory, attributeRefs: o.attributeRefs, ...flexibility };
  const tail = tailDatoms === undefined ? {} : { tailDatoms };
  // the second connection keeps two decoded nodes: its reads go to the store (the asynchronous paths)
  const clients = o.clients ?? [moduleClient(tail), moduleClient({ ...tail, cacheSize: 2 })];
  const log: string[] = [];
  const note = (s: string): void => {
    log.push(s);
    if (o.trace) console.log(s);
  };
  let conns: unknown[] = [];
  let stopLive = (): void => {};
  try {
    await createDatabase(config);
    conns = [await clients[0].connect(config), await clients[1].connect(config)];
    let model: Db = emptyDb({ keepHistory: o.keepHistory, attributeRefs: o.attributeRefs, ...flexibility }, { branchingFactor: 8 });
    let live: unknown;
    const follow = (): void => {
      stopLive = clients[0].liveQuery(conns[0], LIVE).subscribe((v) => {
        live = v;
      });
    };
    follow();
    const both = async (c: number, input: unknown[]): Promise<[string, string]> => {
      const mine = await clients[c]!.transact(conns[c], input as never).then(() => 'ok', codeOf);
      let theirs = 'ok';
      try {
        model = (await withDb(model, input as never)).dbAfter;
      } catch (e) {
        theirs = codeOf(e);
      }
      return [mine, theirs];
    };
    const step = async (name: string, input: unknown[]): Promise<void> => {
      const c = r.int(2);
      const [mine, theirs] = await both(c, input);
      note(`${name} on ${c}: ${JSON.stringify(input)} -> ${mine}`);
      if (mine !== theirs) throw new Error(`the store says ${mine}, the model ${theirs}`);
    };
    const compare = async (c: number, t: number | null, what: string): Promise<void> => {
      const people = ((await q('[:find [?e ...] :where [?e :p/id]]', model)) as number[]).sort((x, y) => x - y);
      const a = await views(clients[c]!, clients[c]!.db(conns[c]), t, o.keepHistory, people);
      const b = await views(local, model, t, o.keepHistory, people);
      for (let i = 0; i < a.length; i++)
        if (a[i]![1] !== b[i]![1]) throw new Error(`${what}, ${a[i]![0]}, the store against the model: ${difference(a[i]![1], b[i]![1])}`);
    };
    await step('schema', SCHEMA);
    const who = (): string => `i${r.int(12)}`;
    for (let i = 0; i < o.steps; i++) {
      const k = r.int(30);
      if (k < 7) {
        const tx: Record<string, unknown>[] = [];
        for (let j = 1 + r.int(3); j > 0; j--) {
          const m: Record<string, unknown> = { 'p/id': who() };
          if (r.next() < 0.7) m['p/n'] = r.int(50);
          if (r.next() < 0.5) m['p/name'] = `n${r.int(6)}`;
          if (r.next() < 0.4) m['p/tag'] = [`t${r.int(4)}`, `t${r.int(4)}`];
          if (r.next() < 0.3) m['p/ref'] = ['p/id', who()];
          if (r.next() < 0.2) m['p/mail'] = `m${r.int(8)}`;
          if (r.next() < 0.3) m['p/first'] = `f${r.int(3)}`;
          if (r.next() < 0.3) m['p/note'] = `note ${r.int(4)}`; // no history
          if (r.next() < 0.2) [m['p/x'], m['p/y']] = [r.int(3), r.int(3)]; // a unique identity tuple
          tx.push(m);
        }
        await step('upsert', tx);
      } else if (k === 7) await step('retractEntity', [['db/retractEntity', ['p/id', who()]]]);
      else if (k === 8) await step('retract', [['db/retract', ['p/id', who()], r.pick(['p/tag', 'p/first']), r.pick([`t${r.int(4)}`, `f${r.int(3)}`])]]);
      else if (k === 9) await step('cas', [['db/cas', ['p/id', who()], 'p/n', r.int(50), r.int(50)]]);
      else if (k === 10) await step('purge', [['db/purge', ['p/id', who()], r.pick(['p/name', 'p/first']), r.pick([`n${r.int(6)}`, `f${r.int(3)}`])]]);
      else if (k === 11) await step('purge attribute', [['db.purge/attribute', ['p/id', who()], r.pick(['p/tag', 'p/n', 'p/mail', 'p/first'])]]);
      else if (k === 12) await step('purge entity', [['db.purge/entity', ['p/id', who()]]]);
      else if (k === 13) await step('purge history', [['db.history.purge/before', new Date(Date.now() + 86_400_000)]]);
      else if (k === 14) {
        const c = r.int(2);
        note(`gcStorage on ${c}`);
        await clients[c]!.gcStorage(conns[c]);
      } else if (k === 15) {
        const c = r.int(2);
        note(`reconnect ${c}`);
        if (c === 0) stopLive();
        await clients[c]!.release(conns[c]);
        conns[c] = await clients[c]!.connect(config);
        if (c === 0) follow();
      } else if (k === 16) {
        await step('add and retract', [{ 'p/id': who(), 'p/tag': [`t${r.int(4)}`] }, ['db/retract', ['p/id', who()], 'p/n', r.int(50)]]);
      } else if (k === 21) await step('tx function', [['model/move', who(), who(), r.int(10)]]);
      else if (k === 22) {
        // components in nested maps, a reverse ref, tx meta
        const parts = Array.from({ length: 1 + r.int(2) }, () => ({ 'part/label': `l${r.int(5)}` }));
        const tx = [{ 'p/id': who(), 'p/part': parts, 'p/_ref': [{ 'p/id': who() }] }];
        await step('components', r.next() < 0.5 ? tx : ({ txData: tx, txMeta: { 'audit/by': `u${r.int(3)}` } } as never));
      } else if (k === 23) await step('retract entity with components', [['db/retractEntity', ['p/id', who()]]]);
      else if (k === 24) {
        // schema changes the data may forbid (two tags held): the store and the model must agree
        const change = r.pick([
          { 'db/ident': 'p/tag', 'db/cardinality': 'db.cardinality/one' },
          { 'db/ident': 'p/tag', 'db/cardinality': 'db.cardinality/many' },
          { 'db/ident': 'p/name', 'db/index': r.next() < 0.5 },
          { 'db/ident': `p/extra${r.int(3)}`, 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
        ]);
        await step('schema change', [change]);
      } else if (k === 25)
        await step('tempid refs', [
          { 'db/id': 'x', 'p/id': who(), 'p/ref': 'y' },
          { 'db/id': 'y', 'p/id': who(), 'p/ref': 'x' },
        ]);
      else if (k === 28) await step('retract attribute', [['db.fn/retractAttribute', ['p/id', who()], r.pick(['p/tag', 'p/note', 'p/n'])]]);
      else if (k === 29) await step('cas from nothing', [['db/cas', ['p/id', who()], 'p/note', null, `note ${r.int(4)}`]]);
      else if (k === 27)
        await step('an undeclared attribute', [{ 'p/id': who(), 'free/n': r.int(9), 'free/tags': [`x${r.int(3)}`, `y${r.int(3)}`] }]); // schema on read only
      else if (k === 26) {
        // both connections at once: the compare-and-set orders them, the loser rebases; upserts
        // that cannot fail, so the model applies them in the order their tx ids say
        const txs = [0, 1].map(() =>
          Array.from({ length: 1 + r.int(3) }, () => ({ 'p/id': who(), 'p/n': r.int(50), 'p/first': `f${r.int(3)}`, 'p/name': `n${r.int(6)}` })),
        );
        const reports = (await Promise.all(txs.map((tx, c) => clients[c]!.transact(conns[c], tx as never)))) as { tempids: Record<string, number> }[];
        const order = [0, 1].sort((a, b) => reports[a]!.tempids['db/current-tx']! - reports[b]!.tempids['db/current-tx']!);
        for (const c of order) {
          model = (await withDb(model, txs[c]!)).dbAfter;
          note(`at once on ${c}: ${JSON.stringify(txs[c])} -> tx ${reports[c]!.tempids['db/current-tx']}`);
        }
      } else if (k === 17) {
        // several at once on one connection: one group commit, outcomes in submission order
        const c = r.int(2);
        const txs = Array.from({ length: 2 + r.int(4) }, () => [{ 'p/id': who(), 'p/n': r.int(50), 'p/first': `f${r.int(3)}` }]);
        const outcomes = await Promise.all(txs.map((tx) => clients[c]!.transact(conns[c], tx as never).then(() => 'ok', codeOf)));
        for (let x = 0; x < txs.length; x++) {
          let theirs = 'ok';
          try {
            model = (await withDb(model, txs[x]!)).dbAfter;
          } catch (e) {
            theirs = codeOf(e);
          }
          note(`group commit on ${c}: ${JSON.stringify(txs[x])} -> ${outcomes[x]}`);
          if (outcomes[x] !== theirs) throw new Error(`in a group commit the store says ${outcomes[x]}, the model ${theirs}`);
        }
      } else {
        // An empty transaction brings a connection to the head (the other may have committed).
        const c = r.int(2);
        const [mine, theirs] = await both(c, []);
        if (mine !== theirs) throw new Error(`an empty transaction: the store says ${mine}, the model ${theirs}`);
        const maxTx = (model as unknown as { maxTx: number }).maxTx;
        const t = o.keepHistory && r.next() < 0.5 ? TX0 + 1 + r.int(Math.max(1, maxTx - TX0)) : null;
        note(`compare connection ${c}${t === null ? '' : ` (t ${t})`}`);
        await compare(c, t, `connection ${c}`);
        await both(0, []);
        const want = rowsOf(await q(LIVE, model));
        for (let waited = 0; rowsOf(live) !== want && waited < LIVE_PATIENCE_MS; waited += 5) await new Promise((res) => setTimeout(res, 5));
        if (rowsOf(live) !== want) throw new Error(`the live query stays at ${rowsOf(live)}, the model has ${want}`);
      }
    }
    stopLive();
    for (let c = 0; c < conns.length; c++) await clients[c]!.release(conns[c]);
    conns = [await clients[0].connect(config)];
    note('a fresh connection');
    await compare(0, null, 'a fresh connection');
    const chunks: Uint8Array[] = [];
    await clients[0].exportDb(clients[0].db(conns[0]), (b) => void chunks.push(b));
    const copyConfig = {
      store: { backend: 'memory', id: `${store.id}-copy-${seed}` },
      keepHistory: o.keepHistory,
      attributeRefs: o.attributeRefs,
      ...flexibility,
    };
    await createDatabase(copyConfig);
    const copy = await connect(copyConfig);
    try {
      await importDb(copy, new Blob(chunks as BlobPart[]));
      note('an export imported');
      for (const view of o.keepHistory ? [false, true] : [false]) {
        const source = clients[0].db(conns[0]);
        const [a, b] = [
          plain(await datoms(view ? history(db(copy)) : db(copy), 'eavt')),
          plain(await clients[0].datoms(view ? clients[0].history(source) : source, 'eavt')),
        ];
        if (a !== b) throw new Error(`the imported copy against its source: ${difference(a, b)}`);
      }
    } finally {
      await release(copy);
      await deleteDatabase(copyConfig);
    }
    return null;
  } catch (e) {
    const { clients: _, ...shown } = o;
    const what = `seed ${seed}, ${JSON.stringify({ ...shown, store: store.backend, tailDatoms, branchingFactor })}`;
    return `${what}: ${e instanceof Error ? e.message : String(e)}\nlast steps:\n${log.slice(-12).join('\n')}`;
  } finally {
    stopLive();
    for (let c = 0; c < conns.length; c++) await clients[c]!.release(conns[c]).catch(() => undefined);
    await deleteDatabase(config).catch(() => undefined);
  }
}
