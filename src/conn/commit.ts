// The persisted layout and the commit/restore protocol (docs/architecture.md, decision 5).
//
// Keys:  ref:head/main  -> { commit, encodings?, record?, earlier? }   the branch head (CAS-guarded, written last)
//        c:<id>         -> CommitRecord                     immutable, one per commit
//        s:<id>         -> raw schema as of the last fold   written only when it changed
//        t:<id>         -> a sealed chunk of the tail       immutable (kind 'chunk'; 'tail' before)
//        n:<id>         -> an index node                    immutable (src/conn/node-storage.ts)
//
// A commit writes, in one atomic batch: new nodes (only when the tail folds), a new sealed tail
// chunk (every TAIL_CHUNK datoms), the commit record, and the head last. A *small* commit (no
// fold, no seal) writes one record, the head: it carries the commit's record (`record`, the
// bytes c:<id> will hold) and compact forms of the small commits before it that are not stored
// on their own yet (`earlier`: ids, counters, reports; their trees, schema and sealed chunks
// are the head record's, and their open tail a prefix of its). The next commit that writes
// anything else (a seal or a fold) also writes those commits as c: records, in the same batch,
// so every commit not in the head is a c: record, and a head carries at most one tail chunk's
// worth of commits. Such a head is written at value format version 2, which older readers
// refuse ('store/format-version'); a head without `record` (version 1) still opens.
// Restoring reads the head, the commit (from the head when it carries it), the schema and the
// sealed chunks (one getMany) and replays the tail into the novelty of each index — no node is
// read until a query needs one.
//
// The tail is the datoms since the last fold, in order; a retraction also carries the tx of the
// assertion it removes (its prior), so replay needs no index read. Each transaction's entries
// are encoded once, into a *segment*; commits carry the open segments as bytes, so a commit
// costs O(its own datoms) to encode, not O(tail).
//
// `encodings` in the head lists the structure handlers (src/store/codec.ts) whose bytes the
// database holds — every one any writer used, so it only grows. A codec missing one of them
// refuses to open the database ('store/encoding') before reading anything it cannot decode.

import { Datom, type Value } from '../db/types.js';
import { DbValue, type DbState } from '../db/db.js';
import { applyChanges } from '../db/apply.js';
import { buildSchema, schemaFromJson, schemaToJson, type RawSchema, type SchemaJson } from '../db/schema.js';
import { INDEX_COMPARATORS, type StoredIndexName } from '../db/compare.js';
import type { IndexFactory, IndexMeta, NodeAddress, SortedSet } from '../indices/types.js';
import { FORMAT_VERSION, READ_VERSION, type Codec } from '../store/codec.js';
import type { Store } from '../store/types.js';
import { refKey } from '../store/keys.js';
import { CairnError, fail, show } from '../util/errors.js';
import { isPromise, type MaybePromise } from '../util/maybe.js';
import { NoveltySet } from './novelty.js';
import type { StoreNodeStorage } from './node-storage.js';
import { SAME_COMPARATORS } from './same.js';
import { encodeRecord } from './commit-bytes.js';

export const HEAD_KEY = /* @__PURE__ */ refKey('head/main');
/** Datoms per sealed tail chunk: bounds both a commit's size and the records a restore reads. */
export const TAIL_CHUNK = 64;
/** Above this many datoms in one commit, other tabs get reports without txData. */
export const REPORT_DATOMS_MAX = 10_000;

/** e, a, v, tx, added(0|1), prior tx (retractions only) */
export type TailEntry = readonly [number, string, Value, number, 0 | 1, number?];

export interface CommitRecord {
  readonly id: string;
  readonly parent: string | null;
  readonly time: number;
  readonly config: {
    readonly schemaFlexibility: 'write' | 'read';
    readonly keepHistory: boolean;
    readonly index: string;
    readonly branchingFactor: number;
    /** Absent in databases written before attribute refs existed (= false). */
    readonly attributeRefs?: boolean;
  };
  readonly maxEid: number;
  readonly maxTx: number;
  readonly lastTxInstant: number;
  readonly schema: string; // key of the schema record (as of the last fold)
  readonly roots: Readonly<Partial<Record<StoredIndexName, { readonly address: NodeAddress; readonly meta: IndexMeta }>>>;
  /** sealed: keys of t: records; open: segments since the last seal; count: datoms in the tail. */
  readonly tail: { readonly sealed: readonly string[]; readonly open: readonly Uint8Array[]; readonly openCount: number; readonly count: number };
  /**
   * What each transaction of this commit reported, for listeners in other tabs: its segment
   * (txData) — null when the commit carried more than REPORT_DATOMS_MAX datoms (bulk imports),
   * so a commit record never duplicates a whole import.
   */
  readonly reports: readonly CommitReport[] | null;
  /**
   * Set on a commit that purged datoms: its trees no longer hold them, but older records do,
   * which a replica following this database then sweeps.
   */
  readonly purged?: true;
}

export interface CommitReport {
  readonly segment: Uint8Array | null;
  readonly tempids: Record<string, number>;
  readonly txMeta: Record<string, unknown>;
}

/** What a connection remembers about the commit its current Db came from. */
export interface Persisted {
  readonly commit: CommitRecord;
  readonly headBytes: Uint8Array;
  readonly foldedRaw: RawSchema; // schema as of the last fold (what `commit.schema` holds)
  readonly encodings: readonly string[]; // structure handlers the database's values need
  /** Present when the head carries `commit` (and `earlier` commits) instead of c: records. */
  readonly carried?: Carried;
}

/** A small commit the head carries in compact form: what its record holds beyond the head record's. */
export interface EarlierCommit {
  readonly id: string;
  readonly parent: string | null;
  readonly time: number;
  readonly maxEid: number;
  readonly maxTx: number;
  readonly lastTxInstant: number;
  /** Its open tail: this many segments from the start of the head record's. */
  readonly segments: number;
  readonly openCount: number;
  readonly count: number;
  /** Per transaction; the segments are the last `reports.length` of its open tail. */
  readonly reports: readonly { readonly tempids: Record<string, number>; readonly txMeta: Record<string, unknown> }[];
}

export interface Carried {
  readonly record: Uint8Array; // the head commit's record, as c:<id> would hold it
  /** Oldest first, after the newest commit stored as c:; each an encoded EarlierCommit, encoded once. */
  readonly earlier: readonly Uint8Array[];
  /**
   * In memory only (never in the head): the c: record of each `earlier` commit, kept from when it
   * was the head's own, so the commit that writes them out copies bytes instead of decoding and
   * re-encoding each. Absent for a head read from the store.
   */
  readonly records?: readonly (readonly [string, Uint8Array])[];
}

interface Head {
  readonly commit: string;
  readonly encodings?: readonly string[];
  readonly record?: Uint8Array;
  readonly earlier?: readonly Uint8Array[];
}

/** Commits a head carries at most: a commit adds at least its tx datom, so a seal comes first. */
const MAX_CARRIED = TAIL_CHUNK;

/** The head record; `encodings` only when some structure handler wrote into the database. */
function encodeHead(codec: Codec, commit: string, encodings: readonly string[], carried?: Carried): Uint8Array {
  const head: Head = encodings.length === 0 ? { commit } : { commit, encodings };
  if (carried === undefined) return encodeRecord(codec, head, 'ref');
  return encodeRecord(codec, { ...head, record: carried.record, earlier: carried.earlier }, 'ref', READ_VERSION);
}

function compactOf(c: CommitRecord): EarlierCommit {
  return {
    id: c.id,
    parent: c.parent,
    time: c.time,
    maxEid: c.maxEid,
    maxTx: c.maxTx,
    lastTxInstant: c.lastTxInstant,
    segments: c.tail.open.length,
    openCount: c.tail.openCount,
    count: c.tail.count,
    reports: (c.reports ?? []).map((r) => ({ tempids: r.tempids, txMeta: r.txMeta })),
  };
}

function decodeEarlier(codec: Codec, bytes: Uint8Array): EarlierCommit {
  const e = codec.decode(bytes, { key: HEAD_KEY, kind: 'meta' }) as EarlierCommit;
  if (e === null || typeof e !== 'object' || typeof e.id !== 'string' || !Array.isArray(e.reports) || typeof e.segments !== 'number')
    fail('store/corrupt', `the database head carries a malformed commit ${show(e)}`, { key: HEAD_KEY });
  return e;
}

/** The full record of a carried earlier commit, rebuilt from the head record it shares its trees with. */
function expand(e: EarlierCommit, head: CommitRecord): CommitRecord {
  const open = head.tail.open.slice(0, e.segments);
  const first = e.segments - e.reports.length;
  return {
    id: e.id,
    parent: e.parent,
    time: e.time,
    config: head.config,
    maxEid: e.maxEid,
    maxTx: e.maxTx,
    lastTxInstant: e.lastTxInstant,
    schema: head.schema,
    roots: head.roots,
    tail: { sealed: head.tail.sealed, open, openCount: e.openCount, count: e.count },
    reports: e.reports.map((r, i) => ({ segment: open[first + i] ?? null, tempids: r.tempids, txMeta: r.txMeta })),
  };
}

/** Every commit a head carries, oldest first (the head's own last); none for a version-1 head. */
export function carriedCommits(codec: Codec, carried: Carried | undefined): CommitRecord[] {
  if (carried === undefined) return [];
  const head = codec.decode(carried.record, { key: HEAD_KEY, kind: 'commit' }) as CommitRecord;
  return [...carried.earlier.map((e) => expand(decodeEarlier(codec, e), head)), head];
}

/** The c: records of the commits `carried` holds, for a batch that writes them out. */
function materialize(codec: Codec, carried: Carried, head: CommitRecord): [string, Uint8Array][] {
  if (carried.records !== undefined)
    return [...carried.records.map(([id, bytes]): [string, Uint8Array] => [`c:${id}`, bytes]), [`c:${head.id}`, carried.record]];
  const out: [string, Uint8Array][] = carried.earlier.map((bytes) => {
    const e = decodeEarlier(codec, bytes);
    return [`c:${e.id}`, codec.encode(expand(e, head), 'commit')];
  });
  out.push([`c:${head.id}`, carried.record]);
  return out;
}

/** Decode a head record, checking the shape of what it carries. */
function decodeHead(codec: Codec, bytes: Uint8Array): Head {
  const head = codec.decode(bytes, { key: HEAD_KEY, kind: 'ref' }) as Head;
  if (head === null || typeof head !== 'object' || typeof head.commit !== 'string')
    fail('store/corrupt', `the database head is not a head record: ${show(head)}`, { key: HEAD_KEY });
  if (
    head.record !== undefined &&
    (!(head.record instanceof Uint8Array) || !Array.isArray(head.earlier) || !head.earlier.every((e) => e instanceof Uint8Array))
  )
    fail('store/corrupt', 'the database head carries a malformed commit', { key: HEAD_KEY });
  return head;
}

/** The commit a head names and what it carries (for GC's mark, which reads the head itself). */
export function headCarried(codec: Codec, bytes: Uint8Array): { readonly commit: string; readonly carried: Carried | undefined } {
  const head = decodeHead(codec, bytes);
  return { commit: head.commit, carried: carriedOf(head) };
}

function carriedOf(head: Head): Carried | undefined {
  return head.record === undefined ? undefined : { record: head.record, earlier: head.earlier ?? [] };
}

/**
 * The bytes of commit `id` as its c: record holds them — also while the head still carries it
 * (then the bytes are rebuilt). Undefined when no such commit is stored (or GC collected it).
 */
export async function readCommitBytes(store: Store, codec: Codec, id: string): Promise<Uint8Array | undefined> {
  const stored = await store.get(`c:${id}`);
  if (stored !== undefined) return stored;
  const headBytes = await store.get(HEAD_KEY);
  if (headBytes !== undefined) {
    const carried = carriedOf(decodeHead(codec, headBytes));
    if (carried !== undefined) {
      const head = codec.decode(carried.record, { key: HEAD_KEY, kind: 'commit' }) as CommitRecord;
      if (head.id === id) return carried.record;
      const e = carried.earlier.map((x) => decodeEarlier(codec, x)).find((x) => x.id === id);
      if (e !== undefined) return codec.encode(expand(e, head), 'commit');
    }
  }
  // The head moved on between the two reads: the commit that moved it wrote c:<id>.
  return store.get(`c:${id}`);
}

function mergeEncodings(a: readonly string[], b: readonly string[]): readonly string[] {
  return b.every((x) => a.includes(x)) ? a : [...a, ...b.filter((x) => !a.includes(x))];
}

/** Refuse a database holding values this codec cannot read, naming what is missing. */
function checkEncodings(head: Head, codec: Codec): readonly string[] {
  const needed = head.encodings ?? [];
  if (!Array.isArray(needed) || needed.some((n) => typeof n !== 'string'))
    fail('store/corrupt', `the database head lists malformed encodings ${show(needed)}`, { key: HEAD_KEY });
  const missing = needed.filter((n) => !codec.encodings.includes(n));
  if (missing.length > 0) {
    fail(
      'store/encoding',
      `the database was written with ${missing.map((m) => show(m)).join(', ')}, which this store's backend does not install (it has ${codec.encodings.length === 0 ? 'only the default encoding' : codec.encodings.map((m) => show(m)).join(', ')}); open it through the backend that wrote it`,
      { missing: [...missing], installed: [...codec.encodings] },
    );
  }
  return needed;
}

export interface CommitTx {
  readonly datoms: readonly Datom[];
  readonly priors: readonly (Datom | undefined)[];
  /** Its tx id (what tempids['db/current-tx'] holds). */
  readonly tx: number;
  /** Its report's tempids, read only for a commit that stores them (a report makes them on first read). */
  readonly tempids: () => Record<string, number>;
  readonly txMeta: Record<string, unknown>;
}

export interface CommitInput {
  readonly db: DbValue; // the Db after every transaction of this commit
  /**
   * Per transaction, in order: its datoms with their priors (what its report's txData and
   * priorsOf hold; made tail entries only when encoded) and what it reported.
   */
  readonly txs: readonly CommitTx[];
  /**
   * The datoms the batch's purges removed (as reports name them), if any: fold whatever the tail
   * holds and compact each tree over them, so the trees written no longer hold them, and keep
   * every transaction's datoms out of this commit's reports (an earlier transaction of the batch
   * may have written a value the purge removes).
   */
  readonly purged?: readonly Datom[];
}

/** Encode one transaction's tail entries (a segment). */
export function encodeSegment(codec: Codec, entries: readonly TailEntry[]): Uint8Array {
  return encodeRecord(codec, entries, 'tail');
}

export function decodeSegment(codec: Codec, bytes: Uint8Array, key?: string): TailEntry[] {
  return codec.decode(bytes, { kind: 'tail', ...(key !== undefined ? { key } : {}) }) as TailEntry[];
}

let idCounter = 0;
const idPrefix = /* @__PURE__ */ (() => {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(36).padStart(2, '0')).join('');
})();
function newId(): string {
  return `${idPrefix}${(idCounter++).toString(36)}`;
}

const INDEX_NAMES: readonly StoredIndexName[] = ['eavt', 'aevt', 'avet', 'teavt', 'taevt', 'tavet'];

function indexesOf(st: DbState): Partial<Record<StoredIndexName, SortedSet<Datom>>> {
  const out: Partial<Record<StoredIndexName, SortedSet<Datom>>> = { eavt: st.eavt, aevt: st.aevt, avet: st.avet };
  if (st.temporal) Object.assign(out, { teavt: st.temporal.eavt, taevt: st.temporal.aevt, tavet: st.temporal.avet });
  return out;
}

function withIndexes(st: DbState, ix: Partial<Record<StoredIndexName, SortedSet<Datom>>>): DbState {
  return {
    ...st,
    eavt: ix.eavt!,
    aevt: ix.aevt!,
    avet: ix.avet!,
    temporal: st.temporal === null ? null : { eavt: ix.teavt!, aevt: ix.taevt!, avet: ix.tavet! },
  };
}

/** Wrap every index of a Db in a NoveltySet so commits can defer tree writes to the tail. */
export function withNovelty(db: DbValue, factory: IndexFactory): DbValue {
  const ix = indexesOf(db.state);
  for (const name of INDEX_NAMES) {
    const s = ix[name];
    if (s !== undefined && !(s instanceof NoveltySet)) ix[name] = NoveltySet.over(s, factory, INDEX_COMPARATORS[name], SAME_COMPARATORS[name]);
  }
  return new DbValue(withIndexes(db.state, ix));
}

/** Tail entries of a transaction: its datoms, each retraction with its prior's tx. */
function entriesOf(datoms: readonly Datom[], priors: readonly (Datom | undefined)[]): TailEntry[] {
  return datoms.map((d, i) => (d.added ? [d.e, d.a, d.v, d.tx, 1] : [d.e, d.a, d.v, d.tx, 0, priors[i]?.tx]));
}

export function entryDatom(t: TailEntry): Datom {
  return new Datom(t[0], t[1], t[2], t[3], t[4] === 1);
}

/** Replay tail entries into the novelty of `db` (reads no node). */
export function replayTail(db: DbValue, tail: readonly TailEntry[]): DbValue {
  if (tail.length === 0) return db;
  const datoms = tail.map(entryDatom);
  const priors = tail.map((t) => (t[4] === 1 || t[5] === undefined ? undefined : new Datom(t[0], t[1], t[2], t[5], true)));
  const r = applyChanges(db, datoms, priors);
  if (isPromise(r)) fail('store/corrupt', 'replaying the transaction tail needed an index read');
  return r;
}

/** The records for a brand-new database: its empty indices, schema, first commit and head. */
export function initialRecords(
  db: DbValue,
  nodes: StoreNodeStorage,
  codec: Codec,
  branchingFactor: number,
  index: string,
): { entries: [string, Uint8Array][]; persisted: Persisted } {
  const schemaKey = `s:${newId()}`;
  const roots: Record<string, { address: NodeAddress; meta: IndexMeta }> = {};
  const ix = indexesOf(db.state);
  for (const name of INDEX_NAMES) {
    const s = ix[name];
    if (s === undefined) continue;
    const base = s instanceof NoveltySet ? s.base : s;
    const address = base.flush(nodes);
    if (isPromise(address)) fail('store/io', 'an empty index needed a node read');
    roots[name] = { address, meta: base.meta() };
  }
  const commit: CommitRecord = {
    id: newId(),
    parent: null,
    time: Date.now(),
    config: {
      schemaFlexibility: db.config.schemaFlexibility,
      keepHistory: db.config.keepHistory,
      index,
      branchingFactor,
      ...(db.config.attributeRefs ? { attributeRefs: true } : {}),
    },
    maxEid: db.maxEid,
    maxTx: db.maxTx,
    lastTxInstant: db.state.lastTxInstant,
    schema: schemaKey,
    roots,
    tail: { sealed: [], open: [], openCount: 0, count: 0 },
    reports: null,
  };
  const head = encodeHead(codec, commit.id, codec.encodings);
  const entries: [string, Uint8Array][] = [
    ...nodes.takePending(),
    [schemaKey, codec.encode(schemaToJson(db.state.raw), 'meta')],
    [`c:${commit.id}`, codec.encode(commit, 'commit')],
    [HEAD_KEY, head],
  ];
  return { entries, persisted: { commit, headBytes: head, foldedRaw: db.state.raw, encodings: codec.encodings } };
}

/** What `commitRecords` returns: the batch to write, and what the connection continues from. */
export interface CommitOut {
  readonly entries: [string, Uint8Array][];
  readonly persisted: Persisted;
  readonly db: DbValue;
}

/** Where a commit's trees and tail stand once it has folded (or not). */
interface Folded {
  readonly db: DbValue;
  readonly schemaKey: string;
  readonly foldedRaw: RawSchema;
  readonly roots: CommitRecord['roots'];
  readonly tail: CommitRecord['tail'];
  /** No fold, no seal: the head alone carries this commit. */
  readonly small: boolean;
}

/**
 * The records of one commit on top of `prev`. Folds the tail into the trees when it would
 * outgrow `foldAt` datoms; returns the Db to continue from (folded or not) and the batch.
 * Synchronous unless it folds (a small commit costs no microtask here).
 */
export function commitRecords(prev: Persisted, input: CommitInput, nodes: StoreNodeStorage, codec: Codec, foldAt: number): MaybePromise<CommitOut> {
  const p = prev.commit;
  const entries: [string, Uint8Array][] = [];
  let added = 0;
  for (const t of input.txs) added += t.datoms.length;
  const count = p.tail.count + added;
  const segments = input.txs.map((t) =>
    (count > foldAt && added > REPORT_DATOMS_MAX) || input.purged !== undefined ? null : encodeSegment(codec, entriesOf(t.datoms, t.priors)),
  );
  if (count > foldAt || input.purged !== undefined) {
    return foldTail(prev, input.db, entries, nodes, codec, input.purged).then((f) => recordsOf(prev, input, codec, entries, segments, added, f));
  }
  let sealed = p.tail.sealed;
  let open = p.tail.open.concat(segments as Uint8Array[]);
  let openCount = p.tail.openCount + added;
  let small = false;
  if (openCount >= TAIL_CHUNK) {
    // Seal the open segments into their own record; the commit keeps only its key.
    const key = `t:${newId()}`;
    entries.push([key, codec.encode(open, 'chunk')]);
    sealed = sealed.concat(key);
    open = [];
    openCount = 0;
  } else small = (prev.carried?.earlier.length ?? 0) < MAX_CARRIED - 1;
  const tail = { sealed, open, openCount, count };
  return recordsOf(prev, input, codec, entries, segments, added, { db: input.db, schemaKey: p.schema, foldedRaw: prev.foldedRaw, roots: p.roots, tail, small });
}

/**
 * Fold the tail into the trees: their new nodes (and the schema, if it changed) join `entries`.
 * `purged`: each tree is also compacted over those datoms (SortedSet.compacted), so no node it
 * reaches keeps one in a buffered removal or a separator.
 */
async function foldTail(
  prev: Persisted,
  input: DbValue,
  entries: [string, Uint8Array][],
  nodes: StoreNodeStorage,
  codec: Codec,
  purged: readonly Datom[] | undefined,
): Promise<Folded> {
  let db = input;
  const ix = indexesOf(db.state);
  // the trees hold attribute ids with attribute refs (src/db/attr-refs.ts)
  const removed = purged !== undefined && db.state.config.attributeRefs ? purged.map((d) => new Datom(d.e, db.storedAttr(d.a), d.v, d.tx, d.added)) : purged;
  const newRoots: Record<string, { address: NodeAddress; meta: IndexMeta }> = {};
  for (const name of INDEX_NAMES) {
    const s = ix[name];
    if (s === undefined) continue;
    let folded = s instanceof NoveltySet ? await s.fold() : s;
    if (removed !== undefined) folded = (await folded.compacted?.(removed)) ?? folded;
    ix[name] = folded;
    const base = folded instanceof NoveltySet ? folded.base : folded;
    const address = base.flush(nodes);
    newRoots[name] = { address: isPromise(address) ? await address : address, meta: base.meta() };
  }
  db = new DbValue(withIndexes(db.state, ix));
  for (const e of nodes.takePending()) entries.push(e);
  let schemaKey = prev.commit.schema;
  let foldedRaw = prev.foldedRaw;
  if (db.state.raw !== prev.foldedRaw) {
    schemaKey = `s:${newId()}`;
    foldedRaw = db.state.raw;
    entries.push([schemaKey, codec.encode(schemaToJson(foldedRaw), 'meta')]);
  }
  return { db, schemaKey, foldedRaw, roots: newRoots, tail: { sealed: [], open: [], openCount: 0, count: 0 }, small: false };
}

/** The commit record and the head (and the carried commits a larger batch writes out). */
function recordsOf(
  prev: Persisted,
  input: CommitInput,
  codec: Codec,
  entries: [string, Uint8Array][],
  segments: readonly (Uint8Array | null)[],
  added: number,
  f: Folded,
): CommitOut {
  const p = prev.commit;
  const { db, foldedRaw } = f;
  // A bulk commit's reports stay small: no segment, and only the tx id of its tempids (an import
  // of 20,000 entities with tempids would otherwise put 20,000 entries in the commit record,
  // which every reconnect decodes).
  const bulk = added > REPORT_DATOMS_MAX;
  const reports: CommitReport[] = input.txs.map((t, i) => ({
    segment: segments[i] ?? null,
    tempids: bulk ? { 'db/current-tx': t.tx } : t.tempids(),
    txMeta: t.txMeta,
  }));
  const commit: CommitRecord = {
    id: newId(),
    parent: p.id,
    time: Date.now(),
    config: p.config,
    maxEid: db.maxEid,
    maxTx: db.maxTx,
    lastTxInstant: db.state.lastTxInstant,
    schema: f.schemaKey,
    roots: f.roots,
    tail: f.tail,
    reports,
    ...(input.purged !== undefined ? { purged: true as const } : {}),
  };
  const encodings = mergeEncodings(prev.encodings, codec.encodings);
  const record = encodeRecord(codec, commit, 'commit', FORMAT_VERSION, [commit.config, commit.roots, commit.tail.sealed]);
  if (f.small) {
    // The previous commit joins the carried ones, encoded once here (a head re-encodes only bytes).
    const was = prev.carried;
    const carried: Carried =
      was === undefined
        ? { record, earlier: [], records: [] }
        : {
            record,
            earlier: [...was.earlier, encodeRecord(codec, compactOf(p), 'meta')],
            ...(was.records === undefined ? {} : { records: [...was.records, [p.id, was.record] as const] }),
          };
    const head = encodeHead(codec, commit.id, encodings, carried);
    entries.push([HEAD_KEY, head]);
    return { entries, persisted: { commit, headBytes: head, foldedRaw, encodings, carried }, db };
  }
  // A batch of several records anyway: write out the commits the head carried, then this one.
  if (prev.carried !== undefined) for (const e of materialize(codec, prev.carried, p)) entries.push(e);
  const head = encodeHead(codec, commit.id, encodings);
  entries.push([`c:${commit.id}`, record], [HEAD_KEY, head]);
  return { entries, persisted: { commit, headBytes: head, foldedRaw, encodings }, db };
}

async function getRecord(store: Store, codec: Codec, key: string, kind: 'commit' | 'ref' | 'meta' | 'tail'): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) fail('store/missing-node', `record ${key} is missing from the store`, { key });
  return codec.decode(bytes, { key, kind });
}

/** Read the head only (cheap check whether another writer moved it). */
export async function readHead(store: Store): Promise<Uint8Array | undefined> {
  return store.get(HEAD_KEY);
}

/**
 * restore() for a connect. A database another process is creating exists (its store) a moment
 * before its first head does: a missing head is read again, for up to `waitMs`, before it means
 * `db/missing` (two servers starting at once would otherwise see `db/exists`, then this).
 */
export async function restoreCreated(
  store: Store,
  codec: Codec,
  nodes: StoreNodeStorage,
  factory: IndexFactory,
  waitMs = 2_000,
): Promise<{ db: DbValue; persisted: Persisted }> {
  for (let waited = 0, pause = 5; ; waited += pause, pause *= 2) {
    try {
      return await restore(store, codec, nodes, factory);
    } catch (e) {
      if (!(e instanceof CairnError && e.code === 'db/missing') || waited >= waitMs) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/**
 * Restore the Db at the head: reads the head, the commit record, then the schema and the
 * sealed tail chunks in one getMany. Index roots stay unloaded.
 */
export async function restore(store: Store, codec: Codec, nodes: StoreNodeStorage, factory: IndexFactory): Promise<{ db: DbValue; persisted: Persisted }> {
  const headBytes = await store.get(HEAD_KEY);
  if (headBytes === undefined) fail('db/missing', 'the store has no database head (was it created?)', { key: HEAD_KEY });
  const head = decodeHead(codec, headBytes);
  const encodings = checkEncodings(head, codec);
  const carried = carriedOf(head);
  const commit =
    carried === undefined
      ? ((await getRecord(store, codec, `c:${head.commit}`, 'commit')) as CommitRecord)
      : (codec.decode(carried.record, { key: HEAD_KEY, kind: 'commit' }) as CommitRecord);
  if (commit.id !== head.commit) fail('store/corrupt', `the database head names commit ${show(head.commit)} but carries ${show(commit.id)}`, { key: HEAD_KEY });
  const keys = [commit.schema, ...commit.tail.sealed];
  const values = await store.getMany(keys);
  values.forEach((b, i) => {
    if (b === undefined) fail('store/missing-node', `record ${keys[i]} is missing from the store`, { key: keys[i]! });
  });
  const raw = schemaFromJson(codec.decode(values[0]!, { key: keys[0]!, kind: 'meta' }) as SchemaJson);
  const tail: TailEntry[] = [];
  const segments: Uint8Array[] = [];
  for (let i = 1; i < values.length; i++)
    for (const seg of codec.decode(values[i]!, { key: keys[i]!, kind: ['chunk', 'tail'] }) as Uint8Array[]) segments.push(seg);
  for (const seg of commit.tail.open) segments.push(seg);
  for (const seg of segments) for (const t of decodeSegment(codec, seg)) tail.push(t);

  const c = commit.config;
  const tree = (name: StoredIndexName): SortedSet<Datom> => {
    const root = commit.roots[name];
    const cmp = INDEX_COMPARATORS[name];
    const base = root === undefined ? factory.empty(cmp, { branchingFactor: c.branchingFactor }) : factory.restore(root.address, cmp, nodes, root.meta);
    return NoveltySet.over(base, factory, cmp, SAME_COMPARATORS[name]);
  };
  const state: DbState = {
    config: { schemaFlexibility: c.schemaFlexibility, keepHistory: c.keepHistory, index: c.index, attributeRefs: c.attributeRefs === true },
    raw,
    schema: buildSchema(c.schemaFlexibility, raw),
    eavt: tree('eavt'),
    aevt: tree('aevt'),
    avet: tree('avet'),
    temporal: c.keepHistory ? { eavt: tree('teavt'), aevt: tree('taevt'), avet: tree('tavet') } : null,
    maxEid: commit.maxEid,
    maxTx: commit.maxTx,
    lastTxInstant: commit.lastTxInstant,
  };
  const replayed = replayTail(new DbValue(state), tail);
  // Counters as of this commit (a tail without tx datoms would not grow them on replay).
  const db = new DbValue({ ...replayed.state, maxEid: commit.maxEid, maxTx: commit.maxTx, lastTxInstant: commit.lastTxInstant });
  return { db, persisted: { commit, headBytes, foldedRaw: raw, encodings, ...(carried !== undefined ? { carried } : {}) } };
}
