// Turn the raw figures of each workload into table rows: CairnDB beside its floor or peer, the
// ratio, and the issue's target for it. Pure functions, so the runner stays about processes.

import type { Comparison } from '../harness.js';
import type { BoundaryFigures } from './page.js';
import type { ColdFigures } from './read-workloads.js';
import type { CommitFigures, GroupFigures, ImportFigures } from './write-workloads.js';

export interface Row {
  readonly workload: string;
  readonly cairn: number;
  readonly peer: number;
  readonly peerName: string;
  readonly unit: string;
  /** How the ratio is read, e.g. 'cairn / floor'. */
  readonly ratioOf: string;
  readonly ratio: number;
  readonly target?: { readonly atLeast?: number; readonly atMost?: number };
  readonly note?: string;
}

export function met(r: Row): boolean | undefined {
  if (r.target === undefined) return undefined;
  const lo = r.target.atLeast ?? -Infinity,
    hi = r.target.atMost ?? Infinity;
  return r.ratio >= lo && r.ratio <= hi;
}

export function commitRows(c: CommitFigures): Row[] {
  return [
    {
      workload: '1. commit latency, median',
      cairn: c.cairn.median,
      peer: c.floorSinglePut.median,
      peerName: 'raw idb put, own tx',
      unit: 'ms',
      ratioOf: 'cairn / floor',
      ratio: c.cairn.median / c.floorSinglePut.median,
      target: { atMost: 1.3 },
      note: `${c.bytesPerCommit.median} B, ${c.recordsPerCommit.median} records per commit`,
    },
    {
      workload: '1. commit latency, p95',
      cairn: c.cairn.p95,
      peer: c.floorSinglePut.p95,
      peerName: 'raw idb put, own tx',
      unit: 'ms',
      ratioOf: 'cairn / floor',
      ratio: c.cairn.p95 / c.floorSinglePut.p95,
      target: { atMost: 1.5 },
    },
    {
      workload: '1. commit latency, median (put + commit())',
      cairn: c.cairn.median,
      peer: c.floorSinglePutCommit.median,
      peerName: 'raw idb put, own tx, explicit commit()',
      unit: 'ms',
      ratioOf: 'cairn / floor',
      ratio: c.cairn.median / c.floorSinglePutCommit.median,
    },
    {
      workload: '1. commit latency, median (same records)',
      cairn: c.cairn.median,
      peer: c.floorSameBatch.median,
      peerName: 'raw idb, same puts, one tx',
      unit: 'ms',
      ratioOf: 'cairn / floor',
      ratio: c.cairn.median / c.floorSameBatch.median,
    },
    {
      workload: '1. commit latency, median (records + CAS)',
      cairn: c.cairn.median,
      peer: c.floorCasBatch.median,
      peerName: 'raw idb, head get + same puts, one tx',
      unit: 'ms',
      ratioOf: 'cairn / floor',
      ratio: c.cairn.median / c.floorCasBatch.median,
    },
    {
      workload: '1. commit latency, median (fenced overwrite)',
      cairn: c.cairn.median,
      peer: c.floorFencedOverwrite.median,
      peerName: 'raw idb, the head as the backend puts it, commit()',
      unit: 'ms',
      ratioOf: 'cairn / floor',
      ratio: c.cairn.median / c.floorFencedOverwrite.median,
    },
    {
      workload: '1. commit: the store call alone, median',
      cairn: c.split.store.median,
      peer: c.floorFencedOverwrite.median,
      peerName: 'raw idb, the head as the backend puts it, commit()',
      unit: 'ms',
      ratioOf: 'store call / floor',
      ratio: c.split.store.median / c.floorFencedOverwrite.median,
      note: `engine before the call ${c.split.engine.median.toFixed(3)} ms, after it ${c.split.after.median.toFixed(3)} ms (medians)`,
    },
  ];
}

export function groupRows(g: GroupFigures, sequential: CommitFigures): Row[] {
  const tps = (ms: number) => (g.txs / ms) * 1000;
  const seq = (sequential.cairn.n / sequential.cairn.total) * 1000;
  return [
    {
      workload: `2. group commit, ${g.txs} txs`,
      cairn: tps(g.cairnMs),
      peer: seq,
      peerName: 'cairn sequential (1.)',
      unit: 'tx/s',
      ratioOf: 'group / sequential',
      ratio: tps(g.cairnMs) / seq,
      target: { atLeast: 10 },
      note: `${g.commits} commits`,
    },
    {
      workload: `2. group commit vs raw, same batches`,
      cairn: tps(g.cairnMs),
      peer: tps(g.floorSameBatchesMs),
      peerName: 'raw idb, same batches',
      unit: 'tx/s',
      ratioOf: 'cairn / raw',
      ratio: g.floorSameBatchesMs / g.cairnMs,
    },
    {
      workload: `2. group commit vs raw puts in flight`,
      cairn: tps(g.cairnMs),
      peer: tps(g.floorConcurrentPutsMs),
      peerName: `raw idb, ${g.txs} put txs at once`,
      unit: 'tx/s',
      ratioOf: 'cairn / raw',
      ratio: g.floorConcurrentPutsMs / g.cairnMs,
    },
  ];
}

export function importRows(i: ImportFigures): Row[] {
  const dps = (ms: number) => (i.datoms / ms) * 1000;
  const label = i.datoms >= 1_000_000 ? '1M' : `${i.datoms / 1000}k`;
  return [
    {
      workload: `3. bulk import ${label} datoms vs raw`,
      cairn: dps(i.cairnMs),
      peer: dps(i.rawMs),
      peerName: 'raw idb, same bytes, one tx',
      unit: 'datoms/s',
      ratioOf: 'cairn / raw',
      ratio: i.rawMs / i.cairnMs,
      target: { atLeast: 0.4 },
      note: `${i.txs} txs, ${i.records} records, ${(i.bytes / 1e6).toFixed(1)} MB; in the store's putBatch ${i.storeMs.toFixed(0)} of ${i.cairnMs.toFixed(0)} ms`,
    },
    {
      workload: `3. bulk import ${label} datoms vs Dexie`,
      cairn: dps(i.cairnMs),
      peer: dps(i.dexieMs),
      peerName: 'Dexie bulkPut',
      unit: 'datoms/s',
      ratioOf: 'cairn / dexie',
      ratio: i.dexieMs / i.cairnMs,
      target: { atLeast: 1 },
    },
  ];
}

export interface DsCold {
  readonly pointMs: number;
  readonly q4Ms: number;
  readonly q4Rows: number;
  readonly readMs: number;
  readonly parseMs: number;
  readonly rebuildMs: number;
}

export interface RawCold {
  readonly ms: number;
  readonly openMs: number;
}

export function coldRows(c: ColdFigures, d: DsCold, levels: number, literal: ColdFigures, viaDatoms: ColdFigures, rawIn: RawCold, rawDatoms: RawCold): Row[] {
  const reads = (x: ColdFigures) =>
    `connect ${x.connectMs.toFixed(1)} ms; ${x.pointReads.records} records read (${x.pointReads.nodes} index nodes, ${levels} levels per tree)`;
  return [
    {
      workload: '4. cold start: open + point query (:in ?e)',
      cairn: c.pointMs,
      peer: d.pointMs,
      peerName: 'DataScript snapshot load',
      unit: 'ms',
      ratioOf: 'ds / cairn',
      ratio: d.pointMs / c.pointMs,
      target: { atLeast: 20 },
      note: `${reads(c)}; DataScript: read ${d.readMs.toFixed(0)}, parse ${d.parseMs.toFixed(0)}, rebuild ${d.rebuildMs.toFixed(0)} ms`,
    },
    {
      workload: '4. cold start: open + point query (literal id)',
      cairn: literal.pointMs,
      peer: d.pointMs,
      peerName: 'DataScript snapshot load',
      unit: 'ms',
      ratioOf: 'ds / cairn',
      ratio: d.pointMs / literal.pointMs,
      note: reads(literal),
    },
    {
      workload: '4. cold start: open + datoms eavt e',
      cairn: viaDatoms.pointMs,
      peer: d.pointMs,
      peerName: 'DataScript snapshot load',
      unit: 'ms',
      ratioOf: 'ds / cairn',
      ratio: d.pointMs / viaDatoms.pointMs,
      note: reads(viaDatoms),
    },
    {
      workload: '4. cold start (:in ?e) vs bare IDB, same reads',
      cairn: c.pointMs,
      peer: rawIn.ms,
      peerName: 'idb open + same gets, fresh worker',
      unit: 'ms',
      ratioOf: 'cairn / raw',
      ratio: c.pointMs / rawIn.ms,
      note: `open ${rawIn.openMs.toFixed(1)} ms`,
    },
    {
      workload: '4. cold start (datoms) vs bare IDB, same reads',
      cairn: viaDatoms.pointMs,
      peer: rawDatoms.ms,
      peerName: 'idb open + same gets, fresh worker',
      unit: 'ms',
      ratioOf: 'cairn / raw',
      ratio: viaDatoms.pointMs / rawDatoms.ms,
      note: `open ${rawDatoms.openMs.toFixed(1)} ms`,
    },
    {
      workload: '4. cold start: then q4',
      cairn: c.q4Ms,
      peer: d.q4Ms,
      peerName: 'DataScript (loaded)',
      unit: 'ms',
      ratioOf: 'ds / cairn',
      ratio: d.q4Ms / c.q4Ms,
      note: `${c.q4Rows} rows, ${c.q4Reads.records} more records (${c.q4Reads.nodes} nodes)`,
    },
  ];
}

export function queryRows(cs: readonly Comparison[]): Row[] {
  return cs.map((c) => ({
    workload: `5. ${c.workload}`,
    cairn: c.cairnMs,
    peer: c.datascriptMs,
    peerName: 'DataScript, same worker',
    unit: 'ms',
    ratioOf: 'ds / cairn',
    ratio: c.ratio,
    target: { atLeast: c.target ?? 3 },
  }));
}

export function boundaryRows(b: BoundaryFigures): Row[] {
  return [
    {
      workload: `6. ${b.rows} rows across the worker boundary`,
      cairn: b.comlinkQ.median,
      peer: b.rawPostMessage.median,
      peerName: 'raw postMessage echo',
      unit: 'ms',
      ratioOf: 'cairn / raw',
      ratio: b.comlinkQ.median / b.rawPostMessage.median,
      note: 'cairn side includes running the query',
    },
  ];
}

export function printRows(rows: readonly Row[]): void {
  const fmt = (x: number) => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 3));
  console.log(`\n${'workload'.padEnd(44)} ${'CairnDB'.padStart(12)} ${'peer'.padStart(12)} ${'unit'.padEnd(9)} ${'ratio'.padStart(8)}  target`);
  for (const r of rows) {
    const m = met(r);
    const t = r.target === undefined ? '' : `${m ? 'met' : 'MISSED'} (${r.target.atLeast !== undefined ? `>= ${r.target.atLeast}` : `<= ${r.target.atMost}`}x)`;
    console.log(
      `${r.workload.padEnd(44)} ${fmt(r.cairn).padStart(12)} ${fmt(r.peer).padStart(12)} ${r.unit.padEnd(9)} ${`${r.ratio.toFixed(2)}x`.padStart(8)}  ${t}  [${r.ratioOf}; peer: ${r.peerName}${r.note ? `; ${r.note}` : ''}]`,
    );
  }
}
