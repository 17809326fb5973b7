// `cairndb/server` (Node only): serve databases to syncing devices. See docs/sync.md.
export { serve, SYNC_TX_ATTR } from './serve.js';
export type { AuthorizeContext, ServeOptions, SyncAction, SyncRequest, SyncServer } from './serve.js';
export { pollingCoordinator } from '../conn/coordinator.js';
export type { Coordinator, HeadAnnouncement } from '../conn/coordinator.js';
export { SYNC_PROTOCOL, DEFAULT_LIMITS } from '../sync/wire.js';
export type { Limits } from '../sync/wire.js';
