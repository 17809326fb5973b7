// The index contract suite, written once and run against every index implementation:
// `runIndexContract(name, factory)` registers vitest tests checking the set against a sorted-array
// oracle under seeded random edits at several branching factors (with the invariant checker after
// every batch), range reads with partial-key comparators, flush of only dirty nodes, lazy restore
// (a cold point read loads at most one node per level, a range one loadMany per level), structural
// sharing between versions, transients over unloaded nodes (queued operations, a failed load
// changes nothing), many versions through flush/restore cycles, sorted runs added in bulk
// (`addSorted`), and removals that leave no trace in the nodes a flush writes (`compacted`). Built-in indices run it in this repository; a third-party index runs it in its own.

import type { IndexFactory } from './types.js';
import { bulkSuite } from './contract/bulk.js';
import { oracleSuite } from './contract/oracle.js';
import { storageSuite } from './contract/storage.js';
import { stressSuite } from './contract/stress.js';

export function runIndexContract(name: string, factory: IndexFactory): void {
  oracleSuite(name, factory);
  storageSuite(name, factory);
  stressSuite(name, factory);
  bulkSuite(name, factory);
}
