// Objects keyed by user data (EDN maps, tempids, `:keys` rows, tx-meta) must keep every key.
// A plain assignment `o['__proto__'] = v` does not make a key: it replaces the prototype (or is
// ignored), and the entry silently disappears. defineProperty always makes an own key.

/** `o[k] = v`, except that k = '__proto__' becomes an ordinary own property too. */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}
