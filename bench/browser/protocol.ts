// The messages between the bench page and a bench worker: one request, one reply, then the
// page terminates the worker (every workload gets a fresh one).

export type WorkloadRequest =
  | { readonly kind: 'commit'; readonly n: number }
  | { readonly kind: 'group'; readonly n: number }
  | { readonly kind: 'import'; readonly persons: number; readonly chunk: number; readonly keep: boolean }
  | { readonly kind: 'ds-snapshot'; readonly persons: number }
  | { readonly kind: 'cold-cairn'; readonly persons: number }
  | { readonly kind: 'cold-ds'; readonly persons: number }
  | { readonly kind: 'queries'; readonly persons: number; readonly iterations: number };

export type WorkloadReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: string };
