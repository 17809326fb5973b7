// Argument checks and byte helpers every backend shares, so bad input fails the same way
// everywhere ('store/invalid', naming the input) and before any state is touched.

import { CairnError, fail, show } from '../util/errors.js';
import type { CasGuard, PutOptions } from './types.js';

// A lone surrogate has no UTF-8 form: a backend that stores keys as UTF-8 (file names, most
// databases) would silently turn it into U+FFFD and merge distinct keys.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    fail('store/invalid', `store ${what} must be a non-empty string, got ${show(key)}`, { key: show(key) });
  }
  if (LONE_SURROGATE.test(key)) {
    fail('store/invalid', `store ${what} ${show(key)} is not well-formed Unicode (a lone surrogate)`, { key: show(key) });
  }
}

export function checkKeys(keys: readonly unknown[]): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) fail('store/invalid', `store keys must be an array, got ${show(keys)}`);
  for (const k of keys) checkKey(k);
}

/** Validate a putBatch call completely before a backend writes anything. */
export function checkBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): void {
  if (!Array.isArray(entries)) fail('store/invalid', `putBatch entries must be an array, got ${show(entries)}`);
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      fail('store/invalid', `putBatch entry must be a [key, bytes] pair, got ${show(entry)}`);
    }
    checkKey(entry[0]);
    if (!(entry[1] instanceof Uint8Array)) {
      fail('store/invalid', `value for key ${show(entry[0])} must be a Uint8Array, got ${show(entry[1])}`, { key: entry[0] });
    }
  }
  if (opts?.cas !== undefined) checkCas(opts.cas);
}

/** Validate a compare-and-set guard (putBatch's `cas`, deleteManyIf's guard). */
export function checkCas(cas: CasGuard): void {
  if (cas === null || typeof cas !== 'object') fail('store/invalid', `a compare-and-set guard must be { key, expected }, got ${show(cas)}`);
  checkKey(cas.key, 'cas key');
  const exp = cas.expected;
  if (exp !== undefined && !(exp instanceof Uint8Array)) {
    fail('store/invalid', `cas.expected for ${show(cas.key)} must be a Uint8Array or undefined, got ${show(exp)}`);
  }
}

/**
 * A copy that owns an exact-length buffer. Needed before storing (IndexedDB clones a view's
 * whole underlying buffer; msgpackr hands out views into a reused scratch buffer) and before
 * handing bytes to callers who might mutate them.
 */
export function exactCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** True when `bytes` is a plain Uint8Array spanning its whole buffer. */
export function isExact(bytes: Uint8Array): boolean {
  return bytes.constructor === Uint8Array && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  // A head compared on every commit is a few KB: four bytes a step where both views allow it.
  if (n >= 64 && (a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    const words = n >>> 2;
    const x = new Int32Array(a.buffer, a.byteOffset, words);
    const y = new Int32Array(b.buffer, b.byteOffset, words);
    for (; i < words; i++) if (x[i] !== y[i]) return false;
    i = words << 2;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function closedError(backend: string, id: string): CairnError {
  return new CairnError('store/closed', `store ${show(id)} (${backend}) is closed`, { backend, id });
}

export function conflictError(key: string): CairnError {
  return new CairnError('store/conflict', `compare-and-set failed on ${show(key)}: it no longer holds the expected value`, { key });
}

export function checkConfig(config: unknown): asserts config is { backend: string; id: string } {
  const c = config as { backend?: unknown; id?: unknown } | null;
  if (c === null || typeof c !== 'object') fail('config/invalid', `store config must be an object, got ${show(config)}`);
  if (typeof c.backend !== 'string' || c.backend === '') fail('config/invalid', `store.backend must be a non-empty string, got ${show(c.backend)}`);
  if (typeof c.id !== 'string' || c.id === '') fail('config/invalid', `store.id must be a non-empty string, got ${show(c.id)}`);
}
