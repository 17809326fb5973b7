// Writing a batch of node files for the `file` backend (./file.ts), each complete before it gets
// its name. A node alone is one file: written to tmp/, fsynced (`strict`), renamed into place.
// Several nodes are written as packs (./file-pack.ts): one file in tmp/ holding up to PACK_NODES
// of them, fsynced (`strict`), then one hard link per node under its name, then the temp name
// removed. A name still always means complete, durable bytes. Before a node of a pack is
// deleted, the pack's other named nodes are rewritten into a new pack (`repack`), each name
// renamed over to the new one, so no name keeps a deleted node's bytes on disk.
//   - the calls are synchronous: through libuv's thread pool each is a hand-off, and parallel
//     creations in one directory cost about twice the kernel CPU (they contend).
//   - the event loop gets a turn after every SLICE names, so a large batch does not stall it.
// On a failure the temp file still open is closed and removed: nothing of a failed pack lingers
// but the names it placed, which the caller removes (it learns them through `written`).

import { closeSync, fdatasync, linkSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { keyToPath } from './file-names.js';
import { packTail } from './file-pack.js';

/** Nodes in one pack (and iovecs in one writev: Linux takes up to 1,024). */
const PACK_NODES = 1000;
/** Bytes of nodes in one pack, so a pack's offsets fit 32 bits with room to spare. */
const PACK_BYTES = 256 * 1024 * 1024;
/** Names placed between two turns of the event loop. */
const SLICE = 64;
/** What link() answers on a file system without hard links (or out of links for one file). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

const fdatasyncAsync = /* @__PURE__ */ promisify(fdatasync);
const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (e) {
    if (errno(e) === 'ENOTDIR') return false;
    throw e;
  }
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

/**
 * Write every node of `nodes` not stored yet (keys are write-once: an existing file is kept). A
 * node in a pack learns that from its link (EEXIST), so a batch costs no lookup per name.
 */
export async function writeNodeFiles(nodes: readonly (readonly [string, Uint8Array])[], w: NodeWrite): Promise<void> {
  const made = new Set<string>(); // directories of long keys created in this batch
  const fresh: [path: string, key: string, bytes: Uint8Array][] = [];
  for (const [k, v] of nodes) {
    const pieces = keyToPath(k);
    const path = join(w.dir, 'nodes', ...pieces);
    if (nodes.length === 1 && exists(path)) continue; // alone, it is renamed into place: over an existing name
    if (pieces.length > 1) {
      const parent = join(w.dir, 'nodes', ...pieces.slice(0, -1));
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
    }
    fresh.push([path, k, v]);
  }
  if (fresh.length === 1) return writeAlone(fresh[0]!, w);
  for (let i = 0; i < fresh.length; ) {
    let bytes = 0;
    let j = i;
    while (j < fresh.length && j - i < PACK_NODES && (j === i || bytes + fresh[j]![2].length <= PACK_BYTES)) bytes += fresh[j++]![2].length;
    await writePack(fresh.slice(i, j), w);
    i = j;
  }
}

/**
 * Rewrite the nodes still named in a pack some of whose nodes are being deleted (`nodes`: their
 * paths, keys and bytes, read from it) into a new pack, each name replaced by a link to the new
 * one (a rename over it: a reader sees the old pack or the new, both whole). The old pack goes
 * with its last name. Names are never removed here, whatever fails.
 */
export async function repack(nodes: readonly (readonly [string, string, Uint8Array])[], w: Omit<NodeWrite, 'written'>): Promise<void> {
  await writePack(nodes, { ...w, written: [] }, true);
}

/** One node in a file of its own (a rename: over the name, if it has one). */
async function writeAlone([path, , bytes]: readonly [string, string, Uint8Array], w: NodeWrite): Promise<void> {
  const tmp = w.tempPath();
  await withTemp(tmp, [bytes], w.strict, () => {
    renameSync(tmp, path);
    w.written.push(path);
  });
}

/** Nodes in one pack, each linked under its name (`replace`: a link made aside, renamed over the name). */
async function writePack(nodes: readonly (readonly [string, string, Uint8Array])[], w: NodeWrite, replace = false): Promise<void> {
  const tmp = w.tempPath();
  const parts = nodes.map(([, , v]) => v);
  parts.push(packTail(nodes.map(([, k, v]) => [k, v] as const)));
  let unlinked = -1; // where linking stopped on a file system without hard links
  await withTemp(tmp, parts, w.strict, async () => {
    const stored: number[] = []; // nodes whose names were there already
    for (let i = 0; i < nodes.length; i++) {
      if (i > 0 && i % SLICE === 0) await turn();
      const path = nodes[i]![0];
      const aside = replace ? w.tempPath() : path;
      try {
        linkSync(tmp, aside);
      } catch (e) {
        if (errno(e) === 'EEXIST' && !replace) {
          stored.push(i); // kept as it is
          continue;
        }
        if (!NO_LINKS.has(errno(e) ?? '')) throw e;
        unlinked = i;
        break;
      }
      if (replace) renameSync(aside, path);
      w.written.push(path);
    }
    // A second copy of a stored node must not outlive a purge of the first: zero it in the pack.
    if (stored.length > 0 && stored.length < nodes.length) await zeroNodes(tmp, parts, stored, w.strict);
    unlinkSync(tmp);
  });
  // Where links are not to be had (FAT, some network file systems), the rest as files of their own.
  if (unlinked >= 0) for (const node of nodes.slice(unlinked)) if (replace || !exists(node[0])) await writeAlone(node, w);
}

/**
 * Write `parts` to a new temp file, fsync it (`strict`), close it, then `place` it under its
 * name(s). If anything fails before `place` is done the temp file is closed and removed.
 */
async function withTemp(tmp: string, parts: readonly Uint8Array[], strict: boolean, place: () => void | Promise<void>): Promise<void> {
  let fd: number | undefined;
  let placed = false;
  try {
    fd = openSync(tmp, 'w');
    writeAllv(fd, parts);
    if (strict) await fdatasyncAsync(fd);
    closeSync(fd);
    fd = undefined;
    await place();
    placed = true;
  } finally {
    if (fd !== undefined) closeQuietly(fd);
    if (!placed) unlinkQuietly(tmp);
  }
}

/** Overwrite with zeros the nodes `which` (indexes into `parts`, laid out one after another) of the pack at `path`. */
async function zeroNodes(path: string, parts: readonly Uint8Array[], which: readonly number[], strict: boolean): Promise<void> {
  const offsets = [0];
  for (const p of parts) offsets.push(offsets.at(-1)! + p.length);
  const fd = openSync(path, 'r+');
  try {
    for (const i of which) writeSync(fd, new Uint8Array(parts[i]!.length), 0, parts[i]!.length, offsets[i]!);
    if (strict) await fdatasyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

/** writev until every byte of `parts` is written (a short write resumes where it stopped). */
function writeAllv(fd: number, parts: readonly Uint8Array[]): void {
  let rest = parts.filter((p) => p.length > 0);
  while (rest.length > 0) {
    let n = writevSync(fd, rest);
    let i = 0;
    while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
    rest = rest.slice(i);
    if (n > 0) rest[0] = rest[0]!.subarray(n);
  }
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
    // never created, or gone
  }
}
