// Lone UTF-16 surrogates ('x\ud800y', what slicing through an emoji leaves) are legal in JS
// strings but not in Unicode text: every store encodes strings as UTF-8 (msgpack, IndexedDB
// through the codec, files, PostgreSQL text), which replaces them with U+FFFD. A database that
// accepted them would answer 'x\ud800y' on the live connection and 'x\ufffdy' after a reopen,
// so such strings are refused at transact time (docs/api.md, "Strings").

/** Looked up once, not on every call (per string value of every transaction); ES2024, so maybe absent. */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Index of the first lone surrogate in `s`, or -1 when `s` is well-formed Unicode. */
export function loneSurrogateAt(s: string): number {
  // isWellFormed (ES2024) is a fast scan; the regex only runs when there is something to find
  if (isWellFormed !== undefined && isWellFormed.call(s)) return -1;
  const m = LONE.exec(s);
  return m === null ? -1 : m.index;
}
