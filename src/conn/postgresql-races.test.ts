// The multi-process races (./multi-process.ts) on the PostgreSQL backend: GC in one process
// beside writers in others, and writers racing right after each other, all over one real
// PostgreSQL server (the head row's lock and the GC fence are the server's, not a file's).
import { pgServerUrl } from '../../test/pg-server.js';
import { runMultiProcessRaces } from './multi-process.js';

const url = await pgServerUrl();

runMultiProcessRaces('postgresql', { store: (id) => ({ backend: 'postgresql', id: `races-${id}-${process.pid}`, connection: url }), rounds: 15 });
