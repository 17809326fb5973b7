// What `cairndb/node-file` is outside Node (package.json "exports" conditions): the `file`
// backend's stand-in in a browser bundle, so the bundle never reaches `node:fs`. The library
// build (vite.lib.config.ts) points the registry's lazy import of ./file.ts at that subpath.

import { CairnError } from '../util/errors.js';
import type { Backend } from './types.js';

export function createFileBackend(): Backend {
  throw new CairnError('store/unavailable', "the 'file' backend needs Node's file system; in a browser use 'indexeddb' or 'memory'", { backend: 'file' });
}
