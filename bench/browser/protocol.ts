// The messages between the bench page and a bench worker: one request, one reply, then the
// page terminates the worker (every workload gets a fresh one).

import type { PointForm } from './read-workloads.js';

// `profile`: run CairnDB's part as a console profile and skip the floors and peers (the
// runner's --profile, on the page's main thread).
export type WorkloadRequest =
  | { readonly kind: 'commit'; readonly n: number; readonly profile?: boolean }
  | { readonly kind: 'group'; readonly n: number; readonly profile?: boolean }
  | { readonly kind: 'import'; readonly persons: number; readonly chunk: number; readonly keep: boolean; readonly profile?: boolean }
  | { readonly kind: 'ds-snapshot'; readonly persons: number }
  | { readonly kind: 'cold-cairn'; readonly persons: number; readonly form?: PointForm; readonly profile?: boolean }
  | { readonly kind: 'cold-ds'; readonly persons: number }
  | { readonly kind: 'cold-raw'; readonly persons: number; readonly keys: readonly string[] }
  | { readonly kind: 'queries'; readonly persons: number; readonly iterations: number }
  | { readonly kind: 'query-profile'; readonly persons: number; readonly query: string; readonly iterations: number }
  | { readonly kind: 'live'; readonly perAttribute: number; readonly iterations: number; readonly commits: number };

export type WorkloadReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };
