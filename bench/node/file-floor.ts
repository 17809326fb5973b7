// The floor of a store that keeps one file per node, for the Node import row: the node records a
// run wrote (one list per batch) written again as plain files, with nothing of the engine or the
// store around them — per file: create it in tmp/, write it, fdatasync (strict; a round of 256
// at a time, in parallel), rename it into place; one directory fsync per batch. The cost of
// creating files on this file system sets it, not the bytes (docs/PERFORMANCE.md, analysis 2).

import { closeSync, fdatasync, fsync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const ROUND = 256;
const PARALLEL = 32;

async function inParallel(fds: readonly number[], f: (fd: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < fds.length) await f(fds[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, fds.length) }, worker));
}

/** Milliseconds to write `batches` of node records as files, `strict` with the fsyncs. */
export async function fileFloorMs(batches: readonly (readonly Uint8Array[])[], strict = true): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-floor-'));
  mkdirSync(join(dir, 'tmp'));
  mkdirSync(join(dir, 'nodes'));
  let n = 0;
  try {
    const t = performance.now();
    for (const batch of batches) {
      for (let i = 0; i < batch.length; i += ROUND) {
        const round = batch.slice(i, i + ROUND).map((bytes) => {
          const name = String(n++);
          const fd = openSync(join(dir, 'tmp', name), 'w');
          for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
          return { fd, name };
        });
        if (strict)
          await inParallel(
            round.map((r) => r.fd),
            fdatasyncAsync,
          );
        for (const { fd, name } of round) {
          closeSync(fd);
          renameSync(join(dir, 'tmp', name), join(dir, 'nodes', name));
        }
      }
      if (strict) {
        const fd = openSync(join(dir, 'nodes'), 'r');
        await fsyncAsync(fd);
        closeSync(fd);
      }
    }
    return performance.now() - t;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
