// Datom comparators for the three index orders, in two flavours:
//   - total comparators (`cmpEAVT`, `cmpAEVT`, `cmpAVET`) order complete datoms and are the sets'
//     own comparators: components in index order, then tx, then `added` (an assertion before a
//     retraction of the same e/a/v in the same tx), so the temporal indices can hold both;
//   - prefix comparators (`prefixEAVT`, ...) are the range comparators handed to slice/seek/count:
//     they are called as cmp(storedDatom, bound) and treat a bound component that is `undefined`
//     as equal to anything, so a bound like { e: 5, a: 'person/name' } selects that whole prefix.
// Both must agree on every component that is present (SortedSet range contract).

import type { Comparator } from '../indices/types.js';
import type { Datom } from './types.js';
import { compareValues } from './values.js';

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function cmpAdded(a: boolean, b: boolean): number {
  return a === b ? 0 : a ? -1 : 1;
}

export const cmpEAVT: Comparator<Datom> = (x, y) =>
  cmpNum(x.e, y.e) || cmpStr(x.a, y.a) || compareValues(x.v, y.v) || cmpNum(x.tx, y.tx) || cmpAdded(x.added, y.added);

export const cmpAEVT: Comparator<Datom> = (x, y) =>
  cmpStr(x.a, y.a) || cmpNum(x.e, y.e) || compareValues(x.v, y.v) || cmpNum(x.tx, y.tx) || cmpAdded(x.added, y.added);

export const cmpAVET: Comparator<Datom> = (x, y) =>
  cmpStr(x.a, y.a) || compareValues(x.v, y.v) || cmpNum(x.e, y.e) || cmpNum(x.tx, y.tx) || cmpAdded(x.added, y.added);

// In the prefix comparators `b` is the bound; its missing components are `undefined`.
export const prefixEAVT: Comparator<Datom> = (x, b) =>
  (b.e === undefined ? 0 : cmpNum(x.e, b.e)) ||
  (b.a === undefined ? 0 : cmpStr(x.a, b.a)) ||
  (b.v === undefined ? 0 : compareValues(x.v, b.v)) ||
  (b.tx === undefined ? 0 : cmpNum(x.tx, b.tx));

export const prefixAEVT: Comparator<Datom> = (x, b) =>
  (b.a === undefined ? 0 : cmpStr(x.a, b.a)) ||
  (b.e === undefined ? 0 : cmpNum(x.e, b.e)) ||
  (b.v === undefined ? 0 : compareValues(x.v, b.v)) ||
  (b.tx === undefined ? 0 : cmpNum(x.tx, b.tx));

export const prefixAVET: Comparator<Datom> = (x, b) =>
  (b.a === undefined ? 0 : cmpStr(x.a, b.a)) ||
  (b.v === undefined ? 0 : compareValues(x.v, b.v)) ||
  (b.e === undefined ? 0 : cmpNum(x.e, b.e)) ||
  (b.tx === undefined ? 0 : cmpNum(x.tx, b.tx));

/** Names of the stored indices: current ones and, with keepHistory, the temporal ones. */
export type StoredIndexName = 'eavt' | 'aevt' | 'avet' | 'teavt' | 'taevt' | 'tavet';

/** The set comparator of each stored index (used to create and to restore the trees). */
export const INDEX_COMPARATORS: Readonly<Record<StoredIndexName, Comparator<Datom>>> = {
  eavt: cmpEAVT,
  aevt: cmpAEVT,
  avet: cmpAVET,
  teavt: cmpEAVT,
  taevt: cmpAEVT,
  tavet: cmpAVET,
};

export const PREFIX_COMPARATORS: Readonly<Record<'eavt' | 'aevt' | 'avet', Comparator<Datom>>> = {
  eavt: prefixEAVT,
  aevt: prefixAEVT,
  avet: prefixAVET,
};

export function comparatorFor(name: StoredIndexName): Comparator<Datom> {
  return INDEX_COMPARATORS[name];
}
