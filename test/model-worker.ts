// The worker of the random model check through worker clients (./model.browser.test.ts): the
// check's transaction function registered, then the standard worker.
import './model-txfn.js';

await import('../worker/worker.js');
