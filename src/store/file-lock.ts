// Write lock for one `file` store directory: an in-process queue (so two putBatch calls in one
// process run one after the other) plus a lock file created with O_EXCL (so two processes do
// too). The lock file holds the owner's pid; a lock whose owner is dead (e.g. killed
// mid-commit) is stale and is broken by the next writer.

import { open, readFile, unlink } from 'node:fs/promises';

// Process-wide by nature: a lock must be shared by every handle on a directory in this
// process, whichever backend instance made it. Only touched on writes, not on reads.
const queues = new Map<string, Promise<void>>();

export async function withDirLock<T>(dir: string, lockFile: string, body: () => Promise<T>): Promise<T> {
  const prev = queues.get(dir) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(dir, tail);
  await prev;
  try {
    await acquireFileLock(lockFile);
    try {
      return await body();
    } finally {
      await unlink(lockFile).catch(() => undefined);
    }
  } finally {
    release();
    if (queues.get(dir) === tail) queues.delete(dir);
  }
}

async function acquireFileLock(lockFile: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lockFile, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    // An unreadable owner is a lock being written right now — or one whose writer died between
    // creating and filling it: give that a few seconds before breaking it.
    const stale = Number.isInteger(owner) && owner > 0 ? !isAlive(owner) : attempt > 150;
    if (stale) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    // Held by a live process (or being written right now): back off and retry.
    await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt)));
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
