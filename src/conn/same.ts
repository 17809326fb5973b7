// "Same datom" comparators for the novelty's removal sets: index order without tx and added,
// because a current index holds at most one datom per e/a/v. Temporal indices never remove.

import type { Comparator } from '../indices/types.js';
import { cmpAEVT, cmpAVET, cmpEAVT, type StoredIndexName } from '../db/compare.js';
import type { Datom } from '../db/types.js';
import { compareValues } from '../db/values.js';

const num = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
const str = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const sameEAV: Comparator<Datom> = (x, y) => num(x.e, y.e) || str(x.a, y.a) || compareValues(x.v, y.v);
const sameAEV: Comparator<Datom> = (x, y) => str(x.a, y.a) || num(x.e, y.e) || compareValues(x.v, y.v);
const sameAVE: Comparator<Datom> = (x, y) => str(x.a, y.a) || compareValues(x.v, y.v) || num(x.e, y.e);

export const SAME_COMPARATORS: Readonly<Record<StoredIndexName, Comparator<Datom>>> = {
  eavt: sameEAV,
  aevt: sameAEV,
  avet: sameAVE,
  // the temporal indices' own order (what INDEX_COMPARATORS has), named, not read off that
  // object, so the table stays free of property reads a bundler cannot drop
  teavt: cmpEAVT,
  taevt: cmpAEVT,
  tavet: cmpAVET,
};
