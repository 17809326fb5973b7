// Objects keyed by user data (EDN maps, tempids, `:keys` rows, tx-meta) must keep every key.
// A plain assignment `o['__proto__'] = v` does not make a key: it replaces the prototype (or is
// ignored), and the entry silently disappears. defineProperty always makes an own key. And a
// lookup by a user-given name must not find what the object inherits (`toString`).

/** `o[k] = v`, except that k = '__proto__' becomes an ordinary own property too. */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** `o[k]` if k is an own key of o, else undefined (never an inherited member such as `toString`). */
export function getOwn<V>(o: Readonly<Record<string, V>>, k: string): V | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}
