// Live query benchmark, shared by bench:node (memory store) and bench:browser (IndexedDB, in a
// dedicated worker: the engine the CairnDB worker runs). On a database with 100 attributes:
//   1. 100 live queries, one per attribute; one commit touching one attribute: how many re-ran
//      (target: only the affected one);
//   2. commit -> callback latency of a live query, from the moment the commit's listeners fire
//      to the delivery of the new result, against running the same query once (target <= 2x).
//      The query once is timed two ways: on a value just committed (what the live query has to
//      do: the baseline of the target), measured on a twin attribute no live query reads, and
//      again on an unchanged value (warm);
//   3. the cost of a commit touching none of them with 100 idle live queries subscribed, against
//      the same commit with none (target <= 1.2x). Blocks alternate to share any drift.

import type { Row } from './browser/report.js';
import { summarize, type Summary } from './browser/stats.js';
import type * as Cairn from '../src/index.js';

type Engine = Pick<typeof Cairn, 'createDatabase' | 'deleteDatabase' | 'connect' | 'release' | 'transact' | 'q' | 'db' | 'listen' | 'liveQuery'>;

export interface LiveFigures {
  readonly attributes: number;
  readonly liveQueries: number;
  readonly datomsPerAttribute: number;
  /** Live queries that ran again after one commit touching one attribute. */
  readonly reran: number;
  readonly latency: Summary;
  /** The same query on a twin attribute, run once on the value its commit just made. */
  readonly queryOnce: Summary;
  /** The query run again on an unchanged value. */
  readonly queryWarm: Summary;
  readonly commitIdle: Summary;
  readonly commitNone: Summary;
}

export interface LiveOptions {
  readonly store: { readonly backend: string; readonly id: string };
  readonly perAttribute: number;
  readonly iterations: number;
  readonly commits: number;
}

const ATTRS = 100;
const now = (): number => performance.now();
const queryFor = (i: number): string => `[:find (count ?e) (sum ?v) :where [?e :live/a${i} ?v]]`;

export async function liveBenchmark(cairn: Engine, opts: LiveOptions): Promise<LiveFigures> {
  const config = { store: opts.store };
  await cairn.createDatabase(config);
  const conn = await cairn.connect(config);
  try {
    const schema: unknown[] = [
      { 'db/ident': 'live/other', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
      { 'db/ident': 'live/twin', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
    ];
    for (let i = 0; i < ATTRS; i++) schema.push({ 'db/ident': `live/a${i}`, 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' });
    await cairn.transact(conn, schema);
    for (const attr of [...Array.from({ length: ATTRS }, (_, i) => `live/a${i}`), 'live/twin']) {
      const tx: Record<string, unknown>[] = [];
      for (let j = 0; j < opts.perAttribute; j++) tx.push({ [attr]: j });
      await cairn.transact(conn, tx);
    }
    const twinQuery = '[:find (count ?e) (sum ?v) :where [?e :live/twin ?v]]';

    // The listener registered first fires first: it stamps the moment the commit is announced.
    let announced = 0;
    const unlisten = cairn.listen(conn, (r) => {
      const t = now();
      if (r.txData.some((d) => d.a === 'live/a0')) announced = t;
    });

    // 1. 100 live queries, one commit touching attribute 42.
    const lives = Array.from({ length: ATTRS }, (_, i) => cairn.liveQuery<[number, number][]>(conn, queryFor(i)));
    let delivered = 0;
    let onDelivery: (() => void) | null = null;
    let stampedAt = 0;
    const stops = lives.map((l, i) =>
      l.subscribe(() => {
        delivered++;
        if (i === 0) stampedAt = now();
        onDelivery?.();
      }),
    );
    while (delivered < ATTRS) await new Promise<void>((r) => (onDelivery = r));
    const runsOf = async (): Promise<number> => (await Promise.all(lives.map(async (l) => (await l.stats()).runs))).reduce((a, b) => a + b, 0);
    const before = await runsOf();
    await cairn.transact(conn, [{ 'live/a42': 1_000_000 }]);
    const reran = (await runsOf()) - before;

    // 2. commit -> callback latency of the live query on attribute 0, against running it once.
    const latency: number[] = [];
    const once: number[] = [];
    const warm: number[] = [];
    for (let k = 0; k < opts.iterations + 3; k++) {
      const target = delivered + 1;
      const got = new Promise<void>((resolve) => (onDelivery = () => void (delivered >= target && resolve())));
      await cairn.transact(conn, [{ 'live/a0': 10_000_000 + k }]);
      await got;
      await cairn.transact(conn, [{ 'live/twin': 10_000_000 + k }]);
      const t0 = now();
      await cairn.q(twinQuery, cairn.db(conn));
      const t1 = now();
      await cairn.q(twinQuery, cairn.db(conn));
      const t2 = now();
      if (k < 3) continue; // warm-up
      latency.push(stampedAt - announced);
      once.push(t1 - t0);
      warm.push(t2 - t1);
    }
    onDelivery = null;

    // 3. commit cost with 100 idle live queries (none reads live/other) vs none.
    const commitIdle: number[] = [];
    const commitNone: number[] = [];
    let n = 0;
    const gc = (globalThis as { gc?: () => void }).gc; // node --expose-gc: no collection left over from the previous block
    const commits = async (into: number[], count: number): Promise<void> => {
      gc?.();
      for (let k = 0; k < count; k++) {
        const t0 = now();
        await cairn.transact(conn, [{ 'live/other': n++ }]);
        into.push(now() - t0);
      }
    };
    const ROUNDS = 8;
    const block = Math.max(1, Math.floor(opts.commits / ROUNDS));
    await commits([], Math.min(200, opts.commits)); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      await commits(commitIdle, block);
      for (const stop of stops.splice(0)) stop();
      await commits(commitNone, block);
      if (round < ROUNDS - 1) {
        // Subscribe again and wait for every first result, so no first run lands in the next block.
        let ready = 0;
        await new Promise<void>((resolve) => {
          for (const [i, l] of lives.entries()) stops[i] = l.subscribe(() => void (++ready === ATTRS && resolve()));
        });
      }
    }
    unlisten();
    return {
      attributes: ATTRS,
      liveQueries: ATTRS,
      datomsPerAttribute: opts.perAttribute,
      reran,
      latency: summarize(latency),
      queryOnce: summarize(once),
      queryWarm: summarize(warm),
      commitIdle: summarize(commitIdle),
      commitNone: summarize(commitNone),
    };
  } finally {
    await cairn.release(conn);
    await cairn.deleteDatabase(config);
  }
}

export function liveRows(f: LiveFigures, where: string): Row[] {
  return [
    {
      workload: `live: ${f.liveQueries} live queries, 1 commit (${where})`,
      cairn: f.reran,
      peer: 1,
      peerName: 'affected live queries',
      unit: 're-runs',
      ratioOf: 're-ran / affected',
      ratio: f.reran,
      target: { atMost: 1 },
    },
    {
      workload: `live: commit -> callback, median (${where})`,
      cairn: f.latency.median,
      peer: f.queryOnce.median,
      peerName: 'the query once, new value',
      unit: 'ms',
      ratioOf: 'latency / query',
      ratio: f.latency.median / f.queryOnce.median,
      target: { atMost: 2 },
      note: `${f.datomsPerAttribute} datoms read; query once on the committed value; warm: ${f.queryWarm.median.toFixed(3)} ms`,
    },
    {
      workload: `live: commit with ${f.liveQueries} idle, median (${where})`,
      cairn: f.commitIdle.median,
      peer: f.commitNone.median,
      peerName: 'commit with none',
      unit: 'ms',
      ratioOf: 'idle / none',
      ratio: f.commitIdle.median / f.commitNone.median,
      target: { atMost: 1.2 },
    },
  ];
}
