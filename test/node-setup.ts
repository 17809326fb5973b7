// Vitest setup for the Node project: register the Node-only backends (file, postgresql) on
// the default registry, as `import 'cairndb'` does in Node (the package's `node` entry,
// src/node.ts). Tests import src/ modules directly, so they would otherwise see only the
// browser entry's backends.
import { defaultRegistry } from '../src/store/index.js';
import { withNodeBackends } from '../src/store/node-backends.js';

withNodeBackends(defaultRegistry);
