// Setup of the `node (hitchhiker-tree)` Vitest project: the engine's suites (query, pull,
// history, transactions, connections and storage, the conformance suites) run a second time
// with the hitchhiker tree installed under the default index name, so every database they
// create, restore or garbage-collect uses it. One process only: suites that spawn other
// processes (which would read these trees with the default index), and the suite comparing the
// two indices by name, stay in the `node` project.
import { registerIndex } from '../src/api.js';
import { hitchhikerTree } from '../src/indices/hitchhiker/index.js';
import { DEFAULT_INDEX } from '../src/indices/registry.js';

registerIndex(DEFAULT_INDEX, hitchhikerTree);
