// Dispatch one workload request to its function: used by the bench worker and, when profiling,
// by the page's main thread (where Chrome's CPU profiler can be attached over CDP).

import type { WorkloadRequest } from './protocol.js';
import { coldStartCairn, coldStartDs, coldStartRaw, profileQuery, workerQueries } from './read-workloads.js';
import { bulkImport, commitLatency, groupCommit, prepareDsSnapshot } from './write-workloads.js';
import * as cairn from '../../src/index.js';
import { liveBenchmark } from '../live.js';

export async function runWorkload(r: WorkloadRequest): Promise<unknown> {
  switch (r.kind) {
    case 'commit':
      return commitLatency(r.n, r.profile ?? false);
    case 'group':
      return groupCommit(r.n, r.profile ?? false);
    case 'import':
      return bulkImport(r.persons, r.chunk, r.keep, r.profile ?? false);
    case 'ds-snapshot':
      return prepareDsSnapshot(r.persons);
    case 'cold-cairn':
      return coldStartCairn(r.persons, r.profile ?? false, r.form ?? 'in');
    case 'cold-ds':
      return coldStartDs(r.persons);
    case 'cold-raw':
      return coldStartRaw(r.persons, r.keys);
    case 'queries':
      return workerQueries(r.persons, r.iterations);
    case 'query-profile':
      return profileQuery(r.persons, r.query, r.iterations);
    case 'live':
      return liveBenchmark(cairn, {
        store: { backend: 'indexeddb', id: `bench-live-${Date.now().toString(36)}` },
        perAttribute: r.perAttribute,
        iterations: r.iterations,
        commits: r.commits,
      });
    default: {
      const never: never = r;
      throw new Error(`unknown workload ${JSON.stringify(never)}`);
    }
  }
}
