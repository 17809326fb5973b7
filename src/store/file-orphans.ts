// Litter a killed writer leaves in a `file` store, and the store's size on disk.
//
// Every temp file carries its writer's pid: `tmp/<pid>-…` (a node or refs file being written),
// `tmp/marker-<pid>-…` (a store being created), `lock.<pid>-…tmp` / `lock.break.<pid>-…tmp`
// (a lock token being published, ./file-lock.ts). A temp file whose process is gone will never
// be renamed or linked into place, so it is removed (a pack's names keep its bytes); one of a live process (or of a reused pid)
// is left alone. Node files a killed writer named but never referenced are ordinary garbage,
// collected by gcStorage.

import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from './file-lock.js';

const TEMP = /^(?:marker-)?(\d+)-/;
const LOCK_TEMP = /^lock(?:\.break)*\.(\d+)-.*\.tmp$/;

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (errno(e) === 'ENOENT') return [];
    throw e;
  }
}

/** Remove the temp files of dead processes from store directory `dir`; returns how many. */
export async function removeOrphans(dir: string): Promise<number> {
  let removed = 0;
  const drop = async (path: string, name: string, pattern: RegExp) => {
    const m = pattern.exec(name);
    if (m === null || pidAlive(Number(m[1]))) return;
    await unlink(path).then(
      () => removed++,
      (e) => {
        if (errno(e) !== 'ENOENT') throw e;
      },
    );
  };
  for (const name of await list(join(dir, 'tmp'))) await drop(join(dir, 'tmp', name), name, TEMP);
  for (const name of await list(dir)) await drop(join(dir, name), name, LOCK_TEMP);
  return removed;
}

/** Bytes of every file under `dir` (nodes, refs, temp files, marker); a pack counts once, however many names link to it. */
export async function bytesOnDisk(dir: string, seen = new Set<number>()): Promise<number> {
  let total = 0;
  for (const ent of await readdir(dir, { withFileTypes: true }).catch((e) => (errno(e) === 'ENOENT' ? [] : Promise.reject(e)))) {
    const path = join(dir, ent.name);
    if (ent.isDirectory()) total += await bytesOnDisk(path, seen);
    else
      total += await stat(path).then(
        (s) => {
          if (s.nlink > 1 && seen.has(s.ino)) return 0;
          seen.add(s.ino);
          return s.size;
        },
        (e) => (errno(e) === 'ENOENT' ? 0 : Promise.reject(e)),
      );
  }
  return total;
}
