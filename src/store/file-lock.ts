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
//
// A lease (`linger`): a writer that commits again and again keeps the lock between its batches
// instead of taking and dropping it each time (a write, a link and two unlinks per batch), and
// may remember what it wrote (`LockHold`) since nobody else can write meanwhile. It is the same
// lock file, so a lease held by a killed process is stale and broken like any lock. Before each
// reuse the holder checks that the lock file is still the very file it linked (one stat). A
// writer of another process that finds the lock held writes `<lock>.wait`; a lease holder seeing
// it releases at the end of its turn, and newcomers let that waiter go first, so a busy process
// cannot keep the others out.

import { existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import type { RefsLog } from './file-refs-log.js';

// Realm-wide by nature: a lock must be shared by every handle on a directory in this thread,
// whichever backend instance — or copy of this module (a bundle may hold two) — made it. So the
// queues, the tokens held and the leases live on the global object, installed on first use
// (importing the module changes nothing). Only touched on writes, not on reads.
interface Shared {
  readonly queues: Map<string, Promise<void>>;
  readonly held: Set<string>;
  leases?: Map<string, Lease>;
  exitHook?: boolean;
}
const shared = (): Shared => ((globalThis as Record<symbol, unknown>)[Symbol.for('cairndb.file-locks')] ??= { queues: new Map(), held: new Set() }) as Shared;
let tokens = 0;

/** Observable for tests: how often a writer had to wait for a lock held by a live owner. */
export const lockStats = { waits: 0, broken: 0, leased: 0 };

/**
 * What a lock holder may remember between its turns while it keeps the lock (a lease): nobody
 * else can write the store meanwhile, so what it wrote last is still what is on disk. Forgotten
 * whenever the lock is released.
 */
export interface LockHold {
  refs: RefsLog | undefined;
}

/** The lock file as this thread linked it: a lease is still ours only while the file is this one. */
interface Lease extends LockHold {
  readonly dir: string;
  readonly lockFile: string;
  readonly token: string;
  readonly id: string;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface LockOptions {
  /**
   * Keep the lock for this many ms after the turn when no other turn follows at once, so a
   * writer's consecutive batches take it once (0, the default: release at the end of the turn).
   * Only on the main thread: a worker thread can be terminated without a chance to release,
   * and its pid stays alive, so its lock would never look stale.
   */
  readonly linger?: number;
}

/**
 * Run `body` holding the directory's write lock: after every earlier turn of this thread on
 * `dir`, and with `lockFile` naming this thread. With `linger`, the lock may stay held after the
 * turn (a lease); it is released after `linger` ms without a turn, at once when another process
 * is waiting for it (`<lock>.wait`) or a turn fails, by `releaseLease`, and at process exit.
 */
export async function withDirLock<T>(dir: string, lockFile: string, body: (hold: LockHold) => Promise<T>, opts?: LockOptions): Promise<T> {
  const s = shared();
  const { queues } = s;
  const prev = queues.get(dir) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(dir, tail);
  await prev;
  try {
    const leases = (s.leases ??= new Map());
    let lease = leases.get(dir);
    if (lease !== undefined) {
      clearTimeout(lease.timer);
      lease.timer = undefined;
      if (lockId(lockFile) === lease.id) lockStats.leased++;
      else {
        dropLease(lease, false); // someone replaced our lock file: it is not ours to remove
        lease = undefined;
      }
    }
    lease ??= await takeLease(s, dir, lockFile);
    let keep = false;
    try {
      const out = await body(lease);
      keep = (opts?.linger ?? 0) > 0 && isMainThread && !existsSync(waitFileOf(lockFile));
      return out;
    } finally {
      if (keep) {
        const l = lease;
        l.timer = setTimeout(() => {
          if (!queues.has(dir)) dropLease(l, true); // else the turn in line decides
        }, opts!.linger);
        l.timer.unref?.();
      } else {
        dropLease(lease, true);
      }
    }
  } finally {
    release();
    if (queues.get(dir) === tail) queues.delete(dir);
  }
}

/** Release `dir`'s lease now if no turn is running or waiting (a store handle closing). */
export function releaseLease(dir: string): void {
  const s = shared();
  const lease = s.leases?.get(dir);
  if (lease !== undefined && !s.queues.has(dir)) dropLease(lease, true);
}

async function takeLease(s: Shared, dir: string, lockFile: string): Promise<Lease> {
  const token = newToken();
  s.held.add(token); // from before it is published, so no copy of this module breaks it
  try {
    await acquire(lockFile, token);
  } catch (e) {
    s.held.delete(token);
    throw e;
  }
  const lease: Lease = { dir, lockFile, token, id: lockId(lockFile), refs: undefined, timer: undefined };
  s.leases!.set(dir, lease);
  if (!s.exitHook) {
    s.exitHook = true;
    // A lease still held when the process ends normally is released (a killed process's lock
    // is stale and broken by the next writer, as before).
    process.once('exit', () => {
      for (const l of [...(shared().leases?.values() ?? [])]) dropLease(l, true);
    });
  }
  return lease;
}

/** Forget `lease`; with `unlink`, also remove the lock file, if it is still the one we linked. */
function dropLease(lease: Lease, unlink: boolean): void {
  const s = shared();
  clearTimeout(lease.timer);
  if (s.leases?.get(lease.dir) === lease) s.leases.delete(lease.dir);
  lease.refs?.close();
  lease.refs = undefined;
  // A lock file replaced meanwhile (removed by hand and taken by another process, or planted)
  // is someone else's: removing it would let a third writer in beside them.
  if (unlink && lockId(lease.lockFile) === lease.id) {
    try {
      unlinkSync(lease.lockFile);
    } catch {
      // already gone (the directory deleted under the lock)
    }
  }
  s.held.delete(lease.token);
}

/**
 * The identity of the lock file as it is now: inode, size and change times. Our own lock file
 * keeps it until someone else writes or replaces it (which a correct writer never does, but a
 * test planting a dead writer's lock does), so a lease checks it before each reuse.
 */
function lockId(lockFile: string): string {
  const st = statSync(lockFile, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? '' : `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

const waitFileOf = (lockFile: string): string => `${lockFile}.wait`;

function newToken(): string {
  return `${process.pid}:${threadId}:${Date.now().toString(36)}${(tokens++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Create `file` holding `token`, atomically and only if absent. */
function createWith(file: string, token: string): boolean {
  const own = `${file}.${token.replace(/:/g, '-')}.tmp`;
  writeFileSync(own, token);
  try {
    linkSync(own, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(own);
    } catch {
      // litter of a live writer at worst; removed as an orphan once this process is gone
    }
  }
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a newcomer leaves the lock to a process that announced it is waiting for it. */
const DEFER_MS = 200;

/**
 * Take `lockFile` for `token`. A writer that finds the lock held by a live process announces
 * itself in `<lock>.wait` (if nobody did yet): a holder keeping a lease gives the lock up at the
 * end of its turn when it sees that file, and a newcomer lets the announced waiter go first (for
 * at most DEFER_MS, and never for a dead one), so a busy writer cannot keep another process out.
 * The waiter removes its announcement once it has the lock.
 */
async function acquire(lockFile: string, token: string): Promise<void> {
  const waitFile = waitFileOf(lockFile);
  const started = Date.now();
  let announced = false;
  for (let attempt = 0; ; attempt++) {
    if (!announced && Date.now() - started < DEFER_MS && otherWaiter(waitFile, token)) {
      await sleep(Math.min(20, 1 + attempt));
      continue;
    }
    if (createWith(lockFile, token)) {
      if (announced && readToken(waitFile) === token) unlinkQuietly(waitFile);
      return;
    }
    const held = readToken(lockFile);
    if (held === undefined) continue; // released in between: try again at once
    if (isStale(held)) {
      await breakStale(lockFile, held, token);
      continue;
    }
    // Held by a live process: announce, back off and retry.
    lockStats.waits++;
    if (!announced || !existsSync(waitFile)) announced = announce(waitFile, token) || announced;
    await sleep(Math.min(50, 2 + attempt));
  }
}

/** Write our token to `waitFile` unless someone else's is there; whether ours is. */
function announce(waitFile: string, token: string): boolean {
  try {
    writeFileSync(waitFile, token, { flag: 'wx' });
    return true;
  } catch {
    return readToken(waitFile) === token;
  }
}

/** Whether a live writer other than `token` announced it is waiting (a dead one's note is removed). */
function otherWaiter(waitFile: string, token: string): boolean {
  if (!existsSync(waitFile)) return false;
  const w = readToken(waitFile);
  if (w === undefined || w === token) return false;
  if (isStale(w)) {
    unlinkQuietly(waitFile);
    return false;
  }
  return true;
}

/** Unlink `file` if it still holds `seen`, under `<file>.break`. */
async function breakStale(file: string, seen: string, token: string): Promise<void> {
  const breaker = `${file}.break`;
  for (let attempt = 0; !createWith(breaker, token); attempt++) {
    const b = readToken(breaker);
    if (b !== undefined && isStale(b)) {
      await breakStale(breaker, b, token);
      continue;
    }
    if (readToken(file) !== seen) return; // someone else broke it: the caller retries
    await sleep(Math.min(20, 1 + attempt));
  }
  try {
    if (readToken(file) === seen) {
      unlinkQuietly(file);
      lockStats.broken++;
    }
  } finally {
    unlinkQuietly(breaker);
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
