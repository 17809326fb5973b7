// Giving the event loop a turn inside a long task (an import), so the thread answers other
// calls meanwhile: a macrotask, not a microtask (promise callbacks run before any message).
// setImmediate where it exists (Node); elsewhere a MessageChannel message, which, unlike a
// nested setTimeout(0), browsers do not clamp to 4 ms.

export function nextTask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const immediate = g.setImmediate;
    return new Promise((resolve) => void immediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
