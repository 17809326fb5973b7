// `cairndb/default-worker`: the standard worker script, and the one `openWorker()` starts when
// given none. It serves the engine with the built-in backends and indexes (entry.ts has the
// details and the API for a custom worker). Start it as a module worker:
//   new Worker(new URL('cairndb/default-worker', import.meta.url), { type: 'module' })
// This module's side effect (serving) is its purpose: package.json lists it in `sideEffects`.
import { serve } from './entry.js';

serve();
