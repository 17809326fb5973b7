// The package entry for Node: what `import … from 'cairndb'` resolves to under the `node`
// export condition (package.json). Everything the browser entry (./index.ts) exports, plus
// the Node-only backends (`file`, `postgresql`; see ./store/node-backends.ts) registered on
// the default registry, so `store: { backend: 'file' | 'postgresql', … }` just works in Node.

import { defaultRegistry } from './store/index.js';
import { withNodeBackends } from './store/node-backends.js';

export * from './index.js';

withNodeBackends(defaultRegistry);
