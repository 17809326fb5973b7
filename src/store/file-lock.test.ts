// The file lock's takeover rules in one process (the races between processes are in
// src/conn/file-races.test.ts): which lock files count as stale, and that none makes a writer wait.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { lockStats, withDirLock } from './file-lock.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-lock-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** The pid of a process that has exited (so a lock naming it is stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(r.stdout));
}

let n = 0;
async function lockWith(content: string | null): Promise<{ dir: string; lock: string }> {
  const dir = join(root, `d${n++}`);
  await rm(dir, { recursive: true, force: true });
  await (await import('node:fs/promises')).mkdir(dir);
  const lock = join(dir, 'lock');
  if (content !== null) await writeFile(lock, content);
  return { dir, lock };
}

describe('file lock takeover', () => {
  it.each([
    ['an empty lock file (a writer killed between creating and filling it)', ''],
    ['a dead owner (bare pid, as older versions wrote)', String(deadPid())],
    ['a dead owner (token)', `${deadPid()}:0:abc`],
    ['this pid and thread, reused from a dead process', `${process.pid}:${threadId}:old`],
    ['a foreign file', 'not a lock'],
  ])('breaks %s without waiting', async (_what, content) => {
    const { dir, lock } = await lockWith(content);
    const waits = lockStats.waits;
    const broken = lockStats.broken;
    expect(await withDirLock(dir, lock, async () => 'in')).toBe('in');
    expect(lockStats.waits).toBe(waits);
    expect(lockStats.broken).toBe(broken + 1);
    expect(await readdir(dir)).toEqual([]); // no lock, breaker or private token file left
  });

  it('two copies of the module in one thread share the lock: the second waits, never breaks', async () => {
    const copy = (await import(/* @vite-ignore */ `./file-lock.js?copy=${Date.now()}`)) as typeof import('./file-lock.js');
    expect(copy.withDirLock).not.toBe(withDirLock); // really a second instance
    const { dir, lock } = await lockWith(null);
    const broken = lockStats.broken + copy.lockStats.broken;
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = withDirLock(dir, lock, async () => {
      order.push('first in');
      await gate;
      order.push('first out');
    });
    while (order.length === 0) await new Promise((r) => setTimeout(r, 1));
    const second = copy.withDirLock(dir, lock, async () => void order.push('second'));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    expect(lockStats.broken + copy.lockStats.broken).toBe(broken);
  });

  it('waits for a live owner and gets the lock once it is released', async () => {
    const { dir, lock } = await lockWith(`${process.ppid}:0:live`);
    const waits = lockStats.waits;
    let entered = false;
    const p = withDirLock(dir, lock, async () => void (entered = true));
    while (lockStats.waits < waits + 2) await new Promise((r) => setTimeout(r, 5));
    expect(entered).toBe(false);
    await rm(lock);
    await p;
    expect(entered).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});
