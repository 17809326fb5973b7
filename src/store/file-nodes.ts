// Writing a batch of node files for the `file` backend (./file.ts), each complete before it gets
// its name. One temp file + fsync + rename per node, as before, but not one node after the
// other: the fsyncs are what a bulk commit waits for (hundreds of nodes), and concurrent fsyncs
// on one file system share their journal commits. So, per round of up to ROUND nodes:
//   1. write every new node to its temp file (WRITE_PARALLELISM at a time, no barrier);
//   2. (strict) fsync every temp file (SYNC_PARALLELISM at a time, each libuv thread busy);
//   3. rename each into place.
// A node is renamed only after its own fsync, so a name still always means complete bytes.
// Every call is awaited before the batch fails, and a failure closes and removes the temp
// files still open: nothing of a failed round lingers (the caller removes the names it placed).

import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { keyToPath } from './file-names.js';

/** Concurrent opens/writes/renames. */
const WRITE_PARALLELISM = 16;
/** Concurrent fsyncs: more than libuv's threads, so a thread never waits for the JS side. */
const SYNC_PARALLELISM = 32;
/** Nodes whose temp files are open at once (bounds the file descriptors a batch holds). */
const ROUND = 256;

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * Run `f` over `items`, at most `parallel` calls at a time, each starting as soon as a slot
 * frees. On a failure no new call starts; the ones running are awaited, then the first failure
 * is thrown (cleanup must not race a write still in flight).
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return false;
    throw e;
  }
}

interface Open {
  readonly path: string;
  readonly tmp: string;
  fh: FileHandle | undefined;
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
  const open_: Open[] = [];
  try {
    await inPool(nodes, WRITE_PARALLELISM, async ([k, v]) => {
      const pieces = keyToPath(k);
      const path = join(w.dir, 'nodes', ...pieces);
      if (await exists(path)) return;
      if (pieces.length > 1) {
        const parent = join(w.dir, 'nodes', ...pieces.slice(0, -1));
        if (!made.has(parent)) {
          await mkdir(parent, { recursive: true });
          made.add(parent);
        }
      }
      const o: Open = { path, tmp: w.tempPath(), fh: undefined, placed: false };
      o.fh = await open(o.tmp, 'w');
      open_.push(o);
      await o.fh.writeFile(v);
      if (!w.strict) await place(o, w.written);
    });
    if (w.strict) {
      await inPool(open_, SYNC_PARALLELISM, (o) => o.fh!.sync());
      await inPool(open_, WRITE_PARALLELISM, (o) => place(o, w.written));
    }
  } finally {
    // Whatever did not get its name (a failure above): close it and remove its temp file.
    await Promise.all(
      open_.map(async (o) => {
        if (o.fh !== undefined) await o.fh.close().catch(() => undefined);
        if (!o.placed) await unlink(o.tmp).catch(() => undefined);
      }),
    );
  }
}

/** Close a written temp file and give it its name. */
async function place(o: Open, written: string[]): Promise<void> {
  const fh = o.fh!;
  o.fh = undefined;
  await fh.close();
  await rename(o.tmp, o.path);
  o.placed = true;
  written.push(o.path);
}
