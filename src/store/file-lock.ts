// Write lock for one `file` store directory: an in-process queue (so two putBatch calls in one
// process run one after the other) plus a lock file (so two processes do too).
//
// The lock file holds its owner's token `<pid>:<threadId>:<random>`, and it is never seen
// empty or half-written: the token is written to a private file first, then hard-linked to the
// lock name (link fails with EEXIST if the lock is held, like O_EXCL, but publishes the content
// in the same step). A lock whose owner is dead (killed mid-commit) is stale. Breaking it is a
// check-then-act, so it is done under a second lock, `<lock>.break`: its holder re-reads the
// lock and unlinks it only if it still holds the very token judged stale. Only a breaker ever
// unlinks someone else's lock, and only one breaker runs at a time, so a fresh lock taken in
// the meantime is never deleted. A breaker killed inside that short step leaves a stale
// `.break`, broken the same way one level up.

import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';

// Realm-wide by nature: a lock must be shared by every handle on a directory in this thread,
// whichever backend instance — or copy of this module (a bundle may hold two) — made it. So the
// queues and the tokens held live on the global object, installed on first use (importing the
// module changes nothing). Only touched on writes, not on reads.
interface Shared {
  readonly queues: Map<string, Promise<void>>;
  readonly held: Set<string>;
}
const shared = (): Shared => ((globalThis as Record<symbol, unknown>)[Symbol.for('cairndb.file-locks')] ??= { queues: new Map(), held: new Set() }) as Shared;
let tokens = 0;

/** Observable for tests: how often a writer had to wait for a lock held by a live owner. */
export const lockStats = { waits: 0, broken: 0 };

export async function withDirLock<T>(dir: string, lockFile: string, body: () => Promise<T>): Promise<T> {
  const { queues, held: heldTokens } = shared();
  const prev = queues.get(dir) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(dir, tail);
  await prev;
  try {
    const token = newToken();
    heldTokens.add(token); // from before it is published, so no copy of this module breaks it
    try {
      await acquire(lockFile, token);
      try {
        return await body();
      } finally {
        await unlink(lockFile).catch(() => undefined);
      }
    } finally {
      heldTokens.delete(token);
    }
  } finally {
    release();
    if (queues.get(dir) === tail) queues.delete(dir);
  }
}

function newToken(): string {
  return `${process.pid}:${threadId}:${Date.now().toString(36)}${(tokens++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Create `file` holding `token`, atomically and only if absent. */
async function createWith(file: string, token: string): Promise<boolean> {
  const own = `${file}.${token.replace(/:/g, '-')}.tmp`;
  await writeFile(own, token);
  try {
    await link(own, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(own).catch(() => undefined);
  }
}

const readToken = (file: string): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);

async function acquire(lockFile: string, token: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (await createWith(lockFile, token)) return;
    const held = await readToken(lockFile);
    if (held === undefined) continue; // released in between: try again at once
    if (isStale(held)) {
      await breakStale(lockFile, held, token);
      continue;
    }
    // Held by a live process: back off and retry.
    lockStats.waits++;
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt)));
  }
}

/** Unlink `file` if it still holds `seen`, under `<file>.break`. */
async function breakStale(file: string, seen: string, token: string): Promise<void> {
  const breaker = `${file}.break`;
  for (let attempt = 0; !(await createWith(breaker, token)); attempt++) {
    const b = await readToken(breaker);
    if (b !== undefined && isStale(b)) {
      await breakStale(breaker, b, token);
      continue;
    }
    if ((await readToken(file)) !== seen) return; // someone else broke it: the caller retries
    await new Promise((r) => setTimeout(r, Math.min(20, 1 + attempt)));
  }
  try {
    if ((await readToken(file)) === seen) {
      await unlink(file).catch(() => undefined);
      lockStats.broken++;
    }
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/**
 * A token's owner is gone. A token without a pid (an empty or foreign file — our writers never
 * leave one, the content is linked in whole) counts as stale at once; an older CairnDB wrote a
 * bare pid. A token naming this thread that this thread does not hold is stale too: it is a
 * dead process's whose pid was reused (containers restart with the same pids).
 */
function isStale(token: string): boolean {
  const text = token.trim();
  const [pidText, thread] = text.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return thread === undefined || (Number(thread) === threadId && !shared().held.has(text));
  return !pidAlive(pid);
}

/** Whether process `pid` exists (this process counts as alive). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
