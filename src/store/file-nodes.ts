// Writing a batch of node files for the `file` backend (./file.ts), each complete before it gets
// its name: one temp file, written, fsynced (`strict`), then renamed into place. How:
//   - creating, writing, closing and renaming use synchronous calls. Creating a file is kernel
//     work; through libuv's thread pool the same calls cost about twice the CPU (parallel
//     creations in one directory contend in the kernel) plus a hand-off each, measured as 1.2 s
//     against 0.65 s for 4,114 files of 8 KB on the 2-core VM (docs/PERFORMANCE.md).
//   - `strict`: the fsyncs are what a bulk commit waits for, and concurrent fsyncs on one file
//     system share their journal commits, so a round's files are fsynced in parallel, off the
//     main thread, and only then renamed. A name still always means complete, durable bytes.
//   - the event loop gets a turn after every SLICE files, so a large batch does not stall it.
// On a failure the temp files still open are closed and removed: nothing of a failed round
// lingers (the caller removes the names it placed, which it learns through `written`).

import { closeSync, fdatasync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { keyToPath } from './file-names.js';
import { writeAll } from './file-refs-log.js';

/** Concurrent fsyncs: more than libuv's threads, so a thread never waits for the JS side. */
const SYNC_PARALLELISM = 32;
/** Nodes whose temp files are open at once (`strict`; bounds the file descriptors a batch holds). */
const ROUND = 256;
/** Files written between two turns of the event loop (about 10 ms of system calls here). */
const SLICE = 64;

const fdatasyncAsync = /* @__PURE__ */ promisify(fdatasync);
const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Run `f` over `items`, at most `parallel` calls at a time, each starting as soon as a slot
 * frees. On a failure no new call starts; the ones running are awaited, then the first failure
 * is thrown (cleanup must not race a call still in flight).
 */
async function inPool<T>(items: readonly T[], parallel: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { e: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await f(item);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  if (failed !== undefined) throw failed.e;
}

function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (e) {
    if (errno(e) === 'ENOTDIR') return false;
    throw e;
  }
}

interface Open {
  readonly path: string;
  readonly tmp: string;
  fd: number | undefined;
  placed: boolean;
}

export interface NodeWrite {
  /** The store directory (nodes live under `<dir>/nodes`). */
  readonly dir: string;
  readonly strict: boolean;
  /** A fresh temp file path under `<dir>/tmp`. */
  readonly tempPath: () => string;
  /** Receives the path of every node file placed, as soon as it has its name. */
  readonly written: string[];
}

/** Write every node of `nodes` not stored yet (keys are write-once: an existing file is kept). */
export async function writeNodeFiles(nodes: readonly (readonly [string, Uint8Array])[], w: NodeWrite): Promise<void> {
  const made = new Set<string>(); // directories of long keys created in this batch
  for (let i = 0; i < nodes.length; i += ROUND) await writeRound(nodes.slice(i, i + ROUND), w, made);
}

async function writeRound(nodes: readonly (readonly [string, Uint8Array])[], w: NodeWrite, made: Set<string>): Promise<void> {
  const open: Open[] = [];
  try {
    for (let i = 0; i < nodes.length; i++) {
      if (i > 0 && i % SLICE === 0) await turn();
      const [k, v] = nodes[i]!;
      const pieces = keyToPath(k);
      const path = join(w.dir, 'nodes', ...pieces);
      if (exists(path)) continue;
      if (pieces.length > 1) {
        const parent = join(w.dir, 'nodes', ...pieces.slice(0, -1));
        if (!made.has(parent)) {
          mkdirSync(parent, { recursive: true });
          made.add(parent);
        }
      }
      const o: Open = { path, tmp: w.tempPath(), fd: undefined, placed: false };
      open.push(o);
      o.fd = openSync(o.tmp, 'w');
      writeAll(o.fd, v, 0);
      if (!w.strict) place(o, w.written);
    }
    if (w.strict) {
      await inPool(open, SYNC_PARALLELISM, (o) => fdatasyncAsync(o.fd!));
      for (const o of open) place(o, w.written);
    }
  } finally {
    // Whatever did not get its name (a failure above): close it and remove its temp file.
    for (const o of open) {
      if (o.fd !== undefined) closeQuietly(o.fd);
      if (!o.placed) unlinkQuietly(o.tmp);
    }
  }
}

/** Close a written temp file and give it its name. */
function place(o: Open, written: string[]): void {
  const fd = o.fd!;
  o.fd = undefined;
  closeSync(fd);
  renameSync(o.tmp, o.path);
  o.placed = true;
  written.push(o.path);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already failing
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created
  }
}
