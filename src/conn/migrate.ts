// Export and import in Datahike's dump format, so a database moves between Datahike and CairnDB.
//
// Format (Datahike's `datahike.migrate` single-file dump, as its released `export-db` wrote it):
// a CBOR sequence of records [e a v tx added], one per datom of the history (every assertion,
// including db/txInstant, and every retraction), in tx order; attributes and keyword values as
// CBOR tag 39 over ':ns/name', instants as tag 1 over epoch seconds, UUIDs as tag 37 (see
// src/util/cbor.ts). Import replays the records with their original entity ids, tx ids and
// db/txInstant (datoms as tx data keep their tx, src/tx/index.ts), one transaction per
// batch of whole transactions, into an empty database.
//
// Streaming: export hands the sink one chunk of encoded records at a time and import decodes
// its source as chunks arrive; neither ever builds the dump as one string. The datoms themselves
// are held in memory while sorting by tx (export) and while decoding (import).

import { history } from '../db/db.js';
import type { DbValue } from '../db/db.js';
import { Datom, TX0, type Db, type Value } from '../db/types.js';
import { compareValues } from '../db/values.js';
import { CborError, CborUuid, decodeAt, encodeInto, Keyword, NeedMore } from '../util/cbor.js';
import { checkOptions, checkSink, type MigrateOptions, type Progress, type Sink, type Source } from './migrate-args.js';

export type { MigrateOptions, Progress, Sink, Source } from './migrate-args.js';
import { CairnError, fail, show } from '../util/errors.js';
import { nextTask } from '../util/yield.js';
import type { Conn } from './connection.js';
import { isSystemEntity, SYSTEM_MAX_EID } from '../db/attr-refs.js';
import { isSystemAttr } from '../db/schema.js';
import { isBytes } from '../util/brands.js';

const RECORDS_PER_CHUNK = 1000;
const DATOMS_PER_TX_BATCH = 5000;
/** Decoded records between two turns given to the event loop. */
const DECODE_YIELD = 10_000;
/** Schema attributes whose values are keywords (a Datahike dump tags them as keywords). */
const KEYWORD_SCHEMA_ATTRS = new Set(['db/ident', 'db/valueType', 'db/cardinality', 'db/unique']);

/** Report progress; a handler returning a Promise (a query of the partial database, say) holds the next step until it settles. */
async function report(o: MigrateOptions, p: Progress): Promise<void> {
  const r: unknown = o.onProgress?.(p);
  if (r instanceof Promise) await r;
}

async function checkAbort(o: MigrateOptions, what: string): Promise<void> {
  if (o.signal?.aborted === true || (o.aborted !== undefined && (await o.aborted()))) {
    throw new CairnError('migrate/aborted', `${what} was aborted`, {});
  }
}

/** A datom's value as Datahike writes it. */
function dumpValue(db: Db, a: string, v: Value): unknown {
  const type = db.schema.attrs.get(a)?.valueType;
  const kw = (x: unknown): unknown => (typeof x === 'string' && x.startsWith(':') ? new Keyword(x.slice(1)) : x);
  if (KEYWORD_SCHEMA_ATTRS.has(a) || type === 'db.type/keyword') return kw(v);
  if (a === 'db/tupleAttrs' || a === 'db/tupleTypes') return Array.isArray(v) ? v.map(kw) : v;
  if (type === 'db.type/uuid' && typeof v === 'string') return new CborUuid(v);
  return v;
}

/** Write every datom of `db`'s history (its current datoms without keepHistory) to `sink`. */
export async function exportDb(db: DbValue, sink: Sink, options?: MigrateOptions): Promise<Progress> {
  const o = checkOptions(options, 'exportDb');
  checkSink(sink);
  const source = db.config.keepHistory ? (history(db) as DbValue) : db;
  // an attribute-refs database's system schema (tx TX0) is not data: every database has its own (as Datahike)
  const all = (await source.datoms('eavt')).filter((d) => d.e !== 0 && d.tx !== TX0);
  // then EAVT by attribute name, as a database without attribute refs holds them (which order by id): one dump either way
  const first = assertedFirst(all);
  const rank = (d: Datom): number => (first.has(d) ? 0 : d.added ? 2 : 1);
  all.sort((x, y) => x.tx - y.tx || rank(x) - rank(y) || x.e - y.e || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
  const writer = typeof sink === 'function' ? null : sink.getWriter();
  const write = async (chunk: Uint8Array): Promise<void> => {
    if (writer === null) await (sink as (c: Uint8Array) => void | Promise<void>)(chunk);
    else await writer.write(chunk);
  };
  try {
    for (let i = 0; i < all.length; i += RECORDS_PER_CHUNK) {
      await checkAbort(o, 'exportDb');
      const bytes: number[] = [];
      for (const d of all.slice(i, i + RECORDS_PER_CHUNK)) {
        const type = db.schema.attrs.get(d.a)?.valueType;
        bytes.push(0x85);
        encodeInto(bytes, d.e);
        encodeInto(bytes, new Keyword(d.a));
        try {
          encodeInto(bytes, dumpValue(db, d.a, d.v), type === 'db.type/double' || type === 'db.type/float');
        } catch (e) {
          // only a value an older CairnDB let in (an object under schema-on-read) has no dump form
          if (e instanceof CborError)
            fail('migrate/format', `the value of ${d.a} on entity ${d.e} cannot be written in a dump: ${e.message}`, { e: d.e, a: d.a });
          throw e;
        }
        encodeInto(bytes, d.tx);
        encodeInto(bytes, d.added);
      }
      await write(new Uint8Array(bytes));
      await report(o, { datoms: Math.min(i + RECORDS_PER_CHUNK, all.length), total: all.length });
    }
    if (all.length === 0) await report(o, { datoms: 0, total: 0 });
    if (writer !== null) await writer.close();
  } finally {
    writer?.releaseLock();
  }
  return { datoms: all.length, total: all.length };
}

/**
 * Each transaction's retractions go before its assertions in a dump (a value replaced: the old
 * one retracted, the new one asserted), except a fact asserted and retracted within one
 * transaction (absent before it): its assertion goes first, so a replay in order sees it made,
 * then undone. These assertions, found in `history` (EAVT: a fact's events adjacent, by tx).
 */
function assertedFirst(history: readonly Datom[]): Set<Datom> {
  const out = new Set<Datom>();
  let present = false;
  for (let i = 0; i < history.length; i++) {
    const d = history[i]!;
    const prev = history[i - 1];
    if (prev === undefined || prev.e !== d.e || prev.a !== d.a || compareValues(prev.v, d.v) !== 0) present = false;
    const next = history[i + 1];
    const pair = next !== undefined && next.tx === d.tx && next.e === d.e && next.a === d.a && next.added !== d.added && compareValues(next.v, d.v) === 0;
    if (pair) {
      if (!present) out.add(d.added ? d : next); // made and undone here; else undone and made again
      i++;
    } else present = d.added;
  }
  return out;
}

async function* chunksOf(source: Source): AsyncIterable<Uint8Array> {
  if (isBytes(source)) yield source;
  else if (source instanceof ArrayBuffer) yield new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) yield* chunksOf(source.stream());
  else if (source === null || typeof source !== 'object') notASource(source);
  else if (typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') yield* source as AsyncIterable<Uint8Array>;
  else notASource(source);
}

function notASource(source: unknown): never {
  return fail('migrate/format', `importDb needs bytes, a Blob/File, a ReadableStream or an async iterable of chunks, got ${show(source)}`);
}

/** A record as a Datom in CairnDB's representation. */
function toDatom(r: unknown, n: number): Datom {
  const bad = (why: string): never => fail('migrate/format', `record ${n} is not a datom [e a v tx added]: ${why}`, { record: n });
  if (!Array.isArray(r) || r.length !== 5) return bad(`got ${show(r)}`);
  const [e, a, v, tx, added] = r as [unknown, unknown, unknown, unknown, unknown];
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0) return bad(`entity ${show(e)}`);
  if (!(a instanceof Keyword)) return bad(`attribute ${show(a)} is not a keyword`);
  if (typeof tx !== 'number' || !Number.isSafeInteger(tx) || tx <= TX0) return bad(`tx ${show(tx)}`);
  if (typeof added !== 'boolean') return bad(`added ${show(added)}`);
  const value = (x: unknown): unknown => (x instanceof Keyword ? `:${x.name}` : x instanceof CborUuid ? x.value : Array.isArray(x) ? x.map(value) : x);
  return new Datom(e, a.name, value(v) as Value, tx, added);
}

/** Decode a dump into datoms, as its chunks arrive. */
async function decodeDump(source: Source, o: MigrateOptions): Promise<Datom[]> {
  const out: Datom[] = [];
  let buf = new Uint8Array(0);
  for await (const chunk of chunksOf(source)) {
    await checkAbort(o, 'importDb');
    if (!isBytes(chunk)) fail('migrate/format', `importDb's source gave ${show(chunk)} where a chunk of bytes belongs`, { record: out.length });
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    let pos = 0;
    for (;;) {
      if (pos >= joined.length) break;
      let item: { value: unknown; end: number };
      try {
        item = decodeAt(joined, pos);
      } catch (e) {
        if (e instanceof NeedMore) break;
        if (e instanceof CborError) fail('migrate/format', `not a Datahike dump: ${e.message} (record ${out.length})`, { record: out.length });
        throw e;
      }
      out.push(toDatom(item.value, out.length));
      pos = item.end;
      if (out.length % DECODE_YIELD === 0) await nextTask(); // one large chunk must not hold the thread
    }
    buf = joined.slice(pos);
  }
  if (buf.length > 0) fail('migrate/format', `the dump ends inside record ${out.length} (${buf.length} bytes left)`, { record: out.length });
  return out;
}

/**
 * Import keeps entity ids, and an attribute-refs database holds its system schema at ids
 * 1..SYSTEM_MAX_EID: a dump using those ids (any dump of a database without attribute refs) would
 * overwrite it. Refused before anything is written.
 */
function refuseSystemIds(datoms: readonly Datom[], key: string): void {
  const clash = datoms.find((d) => isSystemEntity(d.e));
  if (clash === undefined) return;
  fail(
    'migrate/format',
    `the dump uses entity id ${clash.e}, which ${key} (attributeRefs true) reserves for its system schema (ids 1-${SYSTEM_MAX_EID}); import it into a database without attributeRefs`,
    { entity: clash.e },
  );
}

/**
 * A dump is replayed raw (no schema logic per datom), so on a schema-on-write database it must
 * declare every attribute its datoms use: else the database would hold datoms of an attribute
 * it does not know (its queries work, writes to it fail). Refused before anything is written.
 */
function refuseUndeclared(db: DbValue, datoms: readonly Datom[], key: string): void {
  const declared = new Set<string>();
  for (const d of datoms) if (d.a === 'db/ident' && d.added && typeof d.v === 'string') declared.add(d.v.startsWith(':') ? d.v.slice(1) : d.v);
  const stray = datoms.find((d) => !isSystemAttr(d.a) && !declared.has(d.a) && !db.schema.attrs.has(d.a));
  if (stray === undefined) return;
  fail('migrate/format', `the dump has datoms of ${stray.a} but does not declare it, and ${key} takes only declared attributes (schemaFlexibility 'write')`, {
    attribute: stray.a,
  });
}

/**
 * Import a dump into an empty database: records replayed with their entity ids, tx ids and
 * db/txInstant, in tx order, whole transactions per commit. Aborting stops between commits; the
 * transactions imported so far stay.
 */
export async function importDb(conn: Conn, source: Source, options?: MigrateOptions): Promise<Progress> {
  const o = checkOptions(options, 'importDb');
  const db = conn.db;
  if (db.maxTx > TX0 || (await db.datoms('eavt')).some((d) => d.tx !== TX0)) {
    fail('migrate/not-empty', `importDb needs an empty database; ${conn.key} already holds transactions up to ${db.maxTx}`, { basisT: db.maxTx });
  }
  const datoms = await decodeDump(source, o);
  if (db.config.attributeRefs) refuseSystemIds(datoms, conn.key);
  if (db.config.schemaFlexibility === 'write') refuseUndeclared(db, datoms, conn.key);
  datoms.sort((x, y) => x.tx - y.tx || (x.added === y.added ? 0 : x.added ? 1 : -1));
  const total = datoms.length;
  let done = 0;
  while (done < total) {
    await checkAbort(o, 'importDb');
    let end = Math.min(done + DATOMS_PER_TX_BATCH, total);
    while (end < total && datoms[end]!.tx === datoms[end - 1]!.tx) end++; // whole transactions only
    await conn.transact(datoms.slice(done, end));
    done = end;
    await report(o, { datoms: done, total });
    // Other calls on this thread (queries in the worker) run between batches, even over a
    // store whose writes settle without a macrotask (memory).
    await nextTask();
  }
  if (total === 0) await report(o, { datoms: 0, total: 0 });
  return { datoms: total, total };
}
