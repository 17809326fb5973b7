// Vitest setup for the Node projects: register the Node-only backends (file, lmdb, postgresql)
// on the default registry exactly as `import 'cairndb'` does in Node (the package's `node`
// entry, src/node.ts). Tests import src/ modules directly, so they would otherwise see only the
// browser entry's backends.
import '../src/node.js';
