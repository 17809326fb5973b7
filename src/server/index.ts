// `cairndb/server` (Node only): serve databases to syncing devices. See docs/sync.md.
// Importing it registers the Node-only backends (file, lmdb, postgresql) it serves from, as
// `import 'cairndb'` does in Node: a server is a Node program.
import '../node.js';

export { serve, SYNC_TX_ATTR } from './serve.js';
export type { AuthorizeContext, ServeOptions, SyncAction, SyncRequest, SyncServer } from './serve.js';
export { pollingCoordinator, sharedStoreCoordinator } from '../conn/coordinator.js';
export type { Coordinator, HeadAnnouncement } from '../conn/coordinator.js';
export { SYNC_PROTOCOL, DEFAULT_LIMITS } from '../sync/wire.js';
export type { Limits } from '../sync/wire.js';
