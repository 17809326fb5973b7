// Noticing a worker that went away without an event. A dedicated worker that calls
// `self.close()`, or crashes, fires nothing on its Worker object, so calls into it would stay
// pending forever (comlink #428). Web Locks give a platform signal instead: the worker holds a
// lock with a unique name for its whole life, the client asks for the same lock, and the
// browser grants it to the client exactly when the worker's global is torn down — its locks are
// released then. No heartbeat, so a worker busy with a long call is not mistaken for a dead one.

interface LockManagerLike {
  request(name: string, callback: () => Promise<unknown> | unknown): Promise<unknown>;
}

function locks(): LockManagerLike | undefined {
  return (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
}

function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function';
}

/**
 * In a worker with Web Locks: take a lock held until the worker dies and resolve to its name
 * (once granted, so the client cannot get it first). Elsewhere resolve to null.
 */
export function holdLifeLock(): Promise<string | null> {
  const lm = locks();
  if (!inWorker() || lm === undefined) return Promise.resolve(null);
  const unique = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const name = `cairndb:worker-alive:${unique}`;
  return new Promise<string | null>((resolve) => {
    lm.request(name, () => {
      resolve(name);
      return new Promise<never>(() => {}); // held for the worker's lifetime
    }).catch(() => resolve(null));
  });
}

/** Call `onDead` once the worker holding `name` is gone (never, where Web Locks are missing). */
export function watchLifeLock(name: string, onDead: () => void): void {
  locks()
    ?.request(name, () => onDead())
    .catch(() => {});
}
