// The fuzzer in CI: a fixed seed, a few thousand hostile calls per public function. Every
// failure must be a CairnError with a known code and JSON-safe data, a failed transaction must
// leave the database as it was, and a reopened store must read back what the live connection
// holds. `npm run fuzz` runs the same harness longer and with other seeds (scripts/fuzz.ts).

import { describe, expect, it } from 'vitest';
import { fuzzTarget, TARGETS } from './harness.js';

// Half the cases on a schema-on-write database (an even seed), half on schema-on-read (odd).
const SEEDS = [20_261_204, 20_261_205];
const CASES = 1_500;
const CLIENT_CASES = 500; // each crosses a MessageChannel twice

describe('fuzzer: only CairnError, failed transactions change nothing', () => {
  for (const name of Object.keys(TARGETS)) {
    it(name, async () => {
      const failures = [];
      for (const seed of SEEDS) failures.push(...(await fuzzTarget(name, seed, name.startsWith('client.') ? CLIENT_CASES : CASES)));
      // The first few, with the (seed, case) that replays each one.
      expect(failures.slice(0, 5).map((f) => `case ${f.index}: ${f.problem}`)).toEqual([]);
    }, 300_000); // a generous bound: the suite runs on loaded machines
  }
});
