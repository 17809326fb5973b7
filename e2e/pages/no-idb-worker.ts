export {};
// The CairnDB worker in a context where IndexedDB cannot be opened, as in Firefox private
// browsing or with site storage blocked: `indexedDB` exists but `open` fails.
const denied = (): never => {
  throw new DOMException('The user denied permission to access the database.', 'SecurityError');
};
Object.defineProperty(globalThis, 'indexedDB', {
  configurable: true,
  value: { open: denied, deleteDatabase: denied, databases: async () => denied(), cmp: () => 0 },
});
await import('../../worker/worker.js');
