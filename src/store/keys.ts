// Key routing shared by every backend that splits its storage in two (IndexedDB object stores
// `nodes` and `refs`, the file backend's node files and refs file).
//
// Rule: a key starting with `ref:` is a *ref* — small, mutable, rewritten in place (branch
// heads, the branch list, store-level metadata). Every other key is a *node* — immutable once
// written (tree nodes, commit records, tail records), so a backend may skip rewriting a node
// key that already exists. The prefix makes routing a pure function of the key: `get` never
// has to look in two places, and `keys()` is the union of both halves.

import { fail, show } from '../util/errors.js';

export const REF_PREFIX = 'ref:';

/** True for mutable keys (heads and other refs); false for write-once node keys (and non-keys). */
export function isRefKey(key: string): boolean {
  return typeof key === 'string' && key.startsWith(REF_PREFIX);
}

/** The ref key for a name, e.g. `refKey('head/db')` = `'ref:head/db'`. */
export function refKey(name: string): string {
  if (typeof name !== 'string' || name.length === 0) fail('store/invalid', `a ref name must be a non-empty string, got ${show(name)}`);
  return REF_PREFIX + name;
}
