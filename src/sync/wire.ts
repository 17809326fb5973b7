// The sync protocol's messages (docs/sync.md): their types, their encoding (one codec value per
// binary WebSocket frame) and the checks every received message passes before anything acts on
// it. Shared by the server (src/server/) and the device (src/sync/).

import { createCodec } from '../store/codec.js';
import { CairnError, ErrorCodes, fail, isCairnError, jsonSafe, show, type ErrorCode, type ErrorData } from '../util/errors.js';

/** The protocol this code speaks (a client sends it in hello). 2: `head` carries new records. */
export const SYNC_PROTOCOL = 2;
/** The versions a server accepts in hello (it answers each client in the client's version). */
export const SYNC_PROTOCOLS: readonly number[] = [1, 2];

export interface Limits {
  readonly maxMessageBytes: number;
  readonly maxKeysPerGet: number;
  readonly maxTxsPerPush: number;
  readonly maxTxBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 8 * 1024 * 1024,
  maxKeysPerGet: 1024,
  maxTxsPerPush: 1000,
  maxTxBytes: 1024 * 1024,
};

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly data: ErrorData;
}

export interface PushTx {
  readonly id: string;
  readonly txData: string | readonly unknown[];
  readonly txMeta?: Readonly<Record<string, unknown>>;
}

export type PushResult = { readonly id: string; readonly t: number; readonly duplicate?: boolean } | { readonly id: string; readonly error: WireError };

export interface HeadInfo {
  readonly commit: string;
  readonly t: number;
  /** The head's commit record (codec bytes), sent with `head` when small: saves a round trip. */
  readonly record?: Uint8Array;
  /**
   * Protocol 2: the other records a device needs to read this head that its parent did not name
   * (a newly sealed tail chunk, a new schema record), keys and codec bytes: saves another.
   */
  readonly records?: readonly (readonly [string, Uint8Array])[];
}

/** Commit records (and new records) above this size are not sent along with `head`. */
export const MAX_HEAD_RECORD_BYTES = 1024 * 1024;

export type ClientMessage =
  | { readonly type: 'hello'; readonly protocol: number; readonly db: string; readonly token: string | null }
  | { readonly type: 'get'; readonly id: number; readonly keys: readonly string[] }
  | { readonly type: 'push'; readonly id: number; readonly txs: readonly PushTx[] }
  | { readonly type: 'ping'; readonly id: number }
  | { readonly type: 'commits'; readonly id: number; readonly from: string; readonly to: string | null };

export type ServerMessage =
  | { readonly type: 'welcome'; readonly protocol: number; readonly db: string; readonly head: HeadInfo; readonly limits: Limits }
  | {
      readonly type: 'head';
      readonly commit: string;
      readonly t: number;
      readonly record?: Uint8Array;
      readonly records?: readonly (readonly [string, Uint8Array])[];
    }
  | { readonly type: 'records'; readonly id: number; readonly values: readonly (Uint8Array | null)[] }
  | { readonly type: 'pushed'; readonly id: number; readonly results: readonly PushResult[] }
  | { readonly type: 'pong'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };

const codec = /* @__PURE__ */ createCodec();

export function encodeMessage(m: ClientMessage | ServerMessage): Uint8Array<ArrayBuffer> {
  return codec.encode(m, 'value') as Uint8Array<ArrayBuffer>; // always a fresh, exact-length buffer
}

/** Decode one frame into a plain object with a string `type`; anything else is sync/invalid. */
export function decodeFrame(bytes: Uint8Array): Record<string, unknown> & { type: string } {
  let m: unknown;
  try {
    m = codec.decode(bytes, { kind: 'value' });
  } catch (e) {
    fail('sync/invalid', `a sync message could not be decoded: ${(e as Error).message}`);
  }
  if (!isPlainObject(m) || typeof m.type !== 'string') fail('sync/invalid', `a sync message must be a map with a type, got ${show(m)}`);
  return m as Record<string, unknown> & { type: string };
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Record keys a client may fetch: immutable records only (docs/storage.md). */
const RECORD_KEY = /^[ncst]:[A-Za-z0-9:._-]{1,200}$/;
/** Client transaction ids. */
const TX_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Commit ids (the part after `c:`). */
const COMMIT_ID = /^[A-Za-z0-9._-]{1,100}$/;
/** Commit records one `commits` answer carries at most. */
export const MAX_COMMITS_PER_ANSWER = 1000;
/** Database names. */
const DB_NAME = /^[A-Za-z0-9._-]{1,128}$/;

export function isRecordKey(k: unknown): k is string {
  return typeof k === 'string' && RECORD_KEY.test(k);
}

function requestId(m: Record<string, unknown>): number {
  const id = m.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    fail('sync/invalid', `a ${show(m.type)} request needs a positive integer id, got ${show(id)}`);
  return id;
}

/** Check a frame from a client against the protocol and the limits; returns the typed message. */
export function checkClientMessage(m: Record<string, unknown> & { type: string }, limits: Limits): ClientMessage {
  switch (m.type) {
    case 'hello': {
      if (typeof m.protocol !== 'number') fail('sync/protocol', `hello needs a protocol number, got ${show(m.protocol)}`);
      if (typeof m.db !== 'string' || !DB_NAME.test(m.db))
        fail('sync/invalid', `hello needs a database name of 1-128 characters [A-Za-z0-9._-], got ${show(m.db)}`);
      if (m.token !== undefined && m.token !== null && (typeof m.token !== 'string' || m.token.length > 4096))
        fail('sync/invalid', 'hello token must be a string of at most 4096 characters');
      return { type: 'hello', protocol: m.protocol, db: m.db, token: typeof m.token === 'string' ? m.token : null };
    }
    case 'get': {
      const id = requestId(m);
      const keys = m.keys;
      if (!Array.isArray(keys)) fail('sync/invalid', `get needs an array of keys, got ${show(keys)}`);
      if (keys.length > limits.maxKeysPerGet)
        fail('sync/too-large', `get asks for ${keys.length} keys; the limit is ${limits.maxKeysPerGet}`, { keys: keys.length, limit: limits.maxKeysPerGet });
      for (const k of keys) if (!isRecordKey(k)) fail('sync/invalid', `get may only ask for record keys (n:, c:, s:, t:), got ${show(k)}`, { key: show(k) });
      return { type: 'get', id, keys: keys as string[] };
    }
    case 'push': {
      const id = requestId(m);
      const txs = m.txs;
      if (!Array.isArray(txs) || txs.length === 0) fail('sync/invalid', `push needs a non-empty array of transactions, got ${show(txs)}`);
      if (txs.length > limits.maxTxsPerPush)
        fail('sync/too-large', `push carries ${txs.length} transactions; the limit is ${limits.maxTxsPerPush}`, {
          txs: txs.length,
          limit: limits.maxTxsPerPush,
        });
      return { type: 'push', id, txs: txs.map(checkPushTx) };
    }
    case 'ping':
      return { type: 'ping', id: requestId(m) };
    case 'commits': {
      const id = requestId(m);
      if (typeof m.from !== 'string' || !COMMIT_ID.test(m.from)) fail('sync/invalid', `commits needs a commit id in from, got ${show(m.from)}`);
      if (m.to !== null && m.to !== undefined && (typeof m.to !== 'string' || !COMMIT_ID.test(m.to)))
        fail('sync/invalid', `commits: to must be a commit id or null, got ${show(m.to)}`);
      return { type: 'commits', id, from: m.from, to: typeof m.to === 'string' ? m.to : null };
    }
    default:
      return fail('sync/invalid', `unknown sync message type ${show(m.type)}`, { type: show(m.type) });
  }
}

function checkPushTx(x: unknown): PushTx {
  if (!isPlainObject(x)) fail('sync/invalid', `a pushed transaction must be a map { id, txData, txMeta? }, got ${show(x)}`);
  if (typeof x.id !== 'string' || !TX_ID.test(x.id)) fail('sync/invalid', `a pushed transaction id must be 1-64 characters [A-Za-z0-9._:-], got ${show(x.id)}`);
  if (typeof x.txData !== 'string' && !Array.isArray(x.txData))
    fail('sync/invalid', `transaction ${x.id}: txData must be an array or an EDN string, got ${show(x.txData)}`, { tx: x.id });
  if (x.txMeta !== undefined && !isPlainObject(x.txMeta))
    fail('sync/invalid', `transaction ${x.id}: txMeta must be a map, got ${show(x.txMeta)}`, { tx: x.id });
  return { id: x.id, txData: x.txData as PushTx['txData'], ...(x.txMeta !== undefined ? { txMeta: x.txMeta as Record<string, unknown> } : {}) };
}

/**
 * Check a frame from the server. The device trusts the server's data (records, heads), not its
 * shapes: a message that does not have its type's fields is `sync/protocol`, and the device
 * drops the connection and tries again, rather than acting on half a message (an answer to a
 * push without results would otherwise look like no transaction was refused, or committed).
 */
export function checkServerMessage(m: Record<string, unknown> & { type: string }): ServerMessage {
  const bad = (what: string): never => fail('sync/protocol', `malformed ${show(m.type)} from the sync server: ${what}`);
  const id = (): void => void (isId(m.id) || bad(`id ${show(m.id)}`));
  switch (m.type) {
    case 'welcome':
      if (typeof m.protocol !== 'number' || typeof m.db !== 'string') bad('protocol and db');
      if (!isHead(m.head)) bad(`head ${show(m.head)}`);
      if (!isPlainObject(m.limits) || !Object.keys(DEFAULT_LIMITS).every((k) => isCount((m.limits as Record<string, unknown>)[k])))
        bad(`limits ${show(m.limits)}`);
      break;
    case 'head':
      if (!isHead(m)) bad(`commit ${show(m.commit)} and t ${show(m.t)}`);
      break;
    case 'records':
      id();
      if (!Array.isArray(m.values) || !m.values.every((v) => v === null || v instanceof Uint8Array)) bad('values must be records or null');
      break;
    case 'pushed':
      id();
      if (!Array.isArray(m.results) || !m.results.every(isPushResult)) bad(`results ${show(m.results)}`);
      break;
    case 'pong':
      id();
      break;
    case 'error':
      if (!(m.id === 0 || isId(m.id))) bad(`id ${show(m.id)}`);
      if (!isWireError(m.error)) bad(`error ${show(m.error)}`);
      break;
    default:
      return fail('sync/protocol', `unknown message from the sync server: ${show(m.type)}`);
  }
  return m as unknown as ServerMessage;
}

const isId = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isHead = (x: unknown): boolean => isPlainObject(x) && typeof x.commit === 'string' && isCount(x.t);
const isWireError = (x: unknown): boolean => isPlainObject(x) && typeof x.code === 'string' && typeof x.message === 'string';
function isPushResult(x: unknown): boolean {
  if (!isPlainObject(x) || typeof x.id !== 'string') return false;
  return 'error' in x ? isWireError(x.error) : isCount(x.t) && (x.duplicate === undefined || typeof x.duplicate === 'boolean');
}

export function toWireError(e: unknown): WireError {
  if (isCairnError(e)) return { code: e.code, message: e.message, data: e.data };
  return { code: 'sync/invalid', message: e instanceof Error ? e.message : String(e), data: {} };
}

/** A CairnError from its wire form; an unknown code keeps its text under 'sync/protocol'. */
export function fromWireError(w: WireError): CairnError {
  if (typeof w !== 'object' || w === null) return new CairnError('sync/protocol', `malformed error from the sync server: ${show(w)}`);
  if ((ErrorCodes as readonly string[]).includes(w.code))
    return new CairnError(w.code as ErrorCode, String(w.message), isPlainObject(w.data) ? (jsonSafe(w.data) as ErrorData) : {});
  return new CairnError('sync/protocol', `the sync server answered ${show(w.code)}: ${String(w.message)}`, { code: show(w.code) });
}
