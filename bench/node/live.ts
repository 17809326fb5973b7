// bench:node section `live`: the live query benchmark (bench/live.ts) in process, memory store.

import * as cairn from '../../src/index.js';
import { liveBenchmark, liveRows, type LiveFigures } from '../live.js';
import { printRows, type Row } from '../browser/report.js';

export async function liveSection(): Promise<{ figures: LiveFigures; rows: Row[] }> {
  const figures = await liveBenchmark(cairn, {
    store: { backend: 'memory', id: `bench-live-${Date.now().toString(36)}` },
    perAttribute: 200,
    iterations: 50,
    commits: 800,
  });
  const rows = liveRows(figures, 'node, memory');
  console.log('\n== live ==');
  printRows(rows);
  return { figures, rows };
}
