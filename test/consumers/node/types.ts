// Every entry's declarations load in a type check (the browser ones need the DOM lib, which
// tsconfig.bundler.json adds): names a user imports from each.
import type { ClientApi, StorageInfo } from 'cairndb/client';
import { openWorker } from 'cairndb/client';
import { serve, type ServeOptions } from 'cairndb/worker';
import type { Backend, BackendName, Config, Db, LiveQuery, TxReport } from 'cairndb';

export const entries: [typeof openWorker, typeof serve] = [openWorker, serve];
export type Used = [ClientApi, StorageInfo, ServeOptions, Backend, BackendName, Config, Db, LiveQuery<string[]>, TxReport];
