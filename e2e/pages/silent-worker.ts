// The CairnDB worker with coordination that never announces its commits: it stands for a tab
// whose BroadcastChannel message another tab missed (frozen, or in the background), so tests
// can prove that becoming visible again re-reads the head.
import { api } from '../../src/api.js';
import { localCoordinator } from '../../worker/coordination.js';
import { serveEngine } from '../../worker/serve.js';
import { probeIndexedDb } from '../../worker/storage.js';

serveEngine(api, globalThis as never, { probeIndexedDb: () => probeIndexedDb(), coordinatorFor: () => localCoordinator() });
