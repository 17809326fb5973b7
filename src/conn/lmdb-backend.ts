// The `lmdb` backend as CairnDB registers it in Node: the store of src/store/lmdb.ts, loaded on
// first use (importing this module does not load the native binding), with the compact node
// and tail encodings of ./compact-nodes.ts installed as its structure handlers.
//
// Wire it with `registerBackend('lmdb', lmdbBackend())`; `config.store` is
// `{ backend: 'lmdb', id, path, durability?: 'strict' | 'relaxed' }`.

import { lazyBackend } from '../store/builtins.js';
import type { LmdbBackendOptions } from '../store/lmdb.js';
import type { Backend } from '../store/types.js';
import { compactHandlers } from './compact-nodes.js';

export function lmdbBackend(options: LmdbBackendOptions = {}): Backend {
  return lazyBackend(async () => (await import('../store/lmdb.js')).createLmdbBackend(options), compactHandlers);
}
