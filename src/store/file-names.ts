// Safe, reversible file names for store keys (the `file` backend).
//
// Encoding: the key's UTF-8 bytes; [a-z0-9_-] stay as they are, every other byte becomes
// `~` plus two lowercase hex digits. So names never contain separators, dots-only names,
// uppercase (case-insensitive file systems would merge `A` and `a`) or characters Windows
// rejects. Names longer than SEGMENT characters are cut into a chain of directories whose
// names end in `+` (a character the encoding never produces, so a directory can never collide
// with a file), the last piece being the file: the path stays under every file-name limit and
// decoding is just joining the pieces.
//
// Also the directory layout the on-disk backends share (`file`, `lmdb`): one directory per
// store under `config.store.path`, named by the encoded store id, and the format marker each
// writes last when creating a store (a store without one was never finished).

import { resolve } from 'node:path';
import { CairnError, fail, show } from '../util/errors.js';
import { FORMAT_VERSION } from './codec.js';
import type { StoreConfig } from './types.js';

export const SEGMENT = 200;
const SAFE = /^[a-z0-9_-]$/;
const enc = /* @__PURE__ */ new TextEncoder();
const dec = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/** The file name of a key, before splitting. */
export function encodeName(key: string): string {
  let out = '';
  for (const byte of enc.encode(key)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(ch) ? ch : `~${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of `encodeName`; undefined for a name it could not have produced. */
export function decodeName(name: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '~') {
      const hex = name.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (SAFE.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  try {
    return dec.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/** Path pieces for a key: zero or more `…+` directories, then the file name. */
export function keyToPath(key: string): string[] {
  const name = encodeName(key);
  const pieces: string[] = [];
  let i = 0;
  for (; name.length - i > SEGMENT; i += SEGMENT) pieces.push(`${name.slice(i, i + SEGMENT)}+`);
  pieces.push(name.slice(i));
  return pieces;
}

/** Inverse of `keyToPath`. */
export function pathToKey(pieces: readonly string[]): string | undefined {
  let name = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const isDir = i < pieces.length - 1;
    if (isDir !== p.endsWith('+')) return undefined;
    name += isDir ? p.slice(0, -1) : p;
  }
  return decodeName(name);
}

/** Where an on-disk store lives and how durably it writes. */
export interface Layout {
  readonly dir: string;
  readonly id: string;
  readonly strict: boolean;
}

/**
 * The layout of `config`'s store for `backend`: `<path>/<encoded id><suffix>` (a suffix keeps
 * stores of two backends with one id apart under one path); `durability` 'strict' (default) or
 * 'relaxed'. Bad options are `config/invalid`.
 */
export function storeLayout(config: StoreConfig, backend: string, suffix = ''): Layout {
  const path = config['path'];
  if (typeof path !== 'string' || path === '') {
    fail('config/invalid', `the ${backend} backend needs store.path (a directory), got ${show(path)}`, { id: config.id });
  }
  const durability = config['durability'] ?? 'strict';
  if (durability !== 'strict' && durability !== 'relaxed') {
    fail('config/invalid', `store.durability must be 'strict' or 'relaxed', got ${show(durability)}`);
  }
  const name = encodeName(config.id);
  if (name.length > SEGMENT) fail('config/invalid', `store.id ${show(config.id)} is too long for a directory name`);
  return { dir: resolve(path, `${name}${suffix}`), id: config.id, strict: durability === 'strict' };
}

/** What a store's format marker says: the format version that wrote the store. */
export interface Marker {
  readonly version: number;
}

/** The marker's text for a store this version creates (`version`: the backend's layout, by default the value format's). */
export function markerText(version: number = FORMAT_VERSION): string {
  return JSON.stringify({ format: 'cairndb-store', version });
}

/** Parse a marker's text; anything else is `store/corrupt`, naming `where` it was read. */
export function parseMarker(text: string, l: Layout, where: string): Marker {
  try {
    const m = JSON.parse(text) as { format?: unknown; version?: unknown };
    if (m.format !== 'cairndb-store' || typeof m.version !== 'number') throw new Error('not a CairnDB marker');
    return { version: m.version };
  } catch (e) {
    throw new CairnError('store/corrupt', `${where} is not a valid CairnDB store marker`, { id: l.id }, { cause: e });
  }
}

/** The marker `connect` found, checked: none is `db/missing`, a newer format `store/format-version`. */
export function checkMarker(marker: Marker | undefined, l: Layout, backend: string, newest: number = FORMAT_VERSION): Marker {
  if (marker === undefined) {
    throw new CairnError('db/missing', `${backend} store ${show(l.id)} does not exist at ${show(l.dir)}`, { backend, id: l.id });
  }
  if (marker.version > newest) {
    throw new CairnError(
      'store/format-version',
      `${backend} store ${show(l.id)} was written by format version ${marker.version}; this CairnDB reads up to ${newest}`,
      { id: l.id, version: marker.version },
    );
  }
  return marker;
}
