// Lone UTF-16 surrogates ('x\ud800y', what slicing through an emoji leaves) are legal in JS
// strings but not in Unicode text: every store encodes strings as UTF-8 (msgpack, IndexedDB
// through the codec, files, PostgreSQL text), which replaces them with U+FFFD. A database that
// accepted them would answer 'x\ud800y' on the live connection and 'x\ufffdy' after a reopen,
// so such strings are refused at transact time (docs/api.md, "Strings").

type WellFormed = (this: string) => boolean;
/**
 * String.prototype.isWellFormed (ES2024, so maybe absent; null then), looked up on the first call,
 * not on every call (per string value of every transaction) and not at the top level, where a
 * property read counts as a side effect for bundlers (package.json sideEffects).
 */
let isWellFormed: WellFormed | null | undefined;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Index of the first lone surrogate in `s`, or -1 when `s` is well-formed Unicode. */
export function loneSurrogateAt(s: string): number {
  // isWellFormed (ES2024) is a fast scan; the regex only runs when there is something to find
  isWellFormed ??= (String.prototype as { isWellFormed?: WellFormed }).isWellFormed ?? null;
  if (isWellFormed !== null && isWellFormed.call(s)) return -1;
  const m = LONE.exec(s);
  return m === null ? -1 : m.index;
}
