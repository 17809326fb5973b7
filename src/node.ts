// The package entry for Node: what `import … from 'cairndb'` resolves to under the `node`
// export condition (package.json). Everything the browser entry (./index.ts) exports, plus
// the Node-only backends registered on the default registry, so
// `store: { backend: 'file' | 'lmdb' | 'postgresql', … }` just works in Node: `file` and
// `postgresql` from ./store/node-backends.ts, and `lmdb` with its compact node encoding
// (./conn/lmdb-backend.ts, which needs the conn layer's encoders). Each loads on first use.

import { lmdbBackend } from './conn/lmdb-backend.js';
import { defaultRegistry } from './store/index.js';
import { withNodeBackends } from './store/node-backends.js';

export * from './index.js';

withNodeBackends(defaultRegistry);
defaultRegistry.register('lmdb', lmdbBackend());
