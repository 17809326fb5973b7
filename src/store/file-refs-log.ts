// The writer's side of the refs log (format in ./file-refs.ts), used under the store's lock.
//
// A commit's refs update is one positional write of one frame at the end of the log, plus one
// fdatasync when `strict`: no new file, no rename, no directory entry, which on a journalling
// file system is what the write-temp + rename of a whole refs file cost (an inode and two
// directory updates per commit). The open descriptor and the current refs stay with the lock
// holder for as long as it keeps the lock (./file-lock.ts, "lease"); before reusing them it
// checks with one stat that the file is still the one it wrote, at the length it wrote.
//
// The log is replaced by a one-frame log through a temp file and a rename (fdatasync, rename,
// directory fsync when `strict`) when it is not a log yet (absent, or a version-1 file) and when
// it would grow past COMPACT_BYTES; readers then see either the old file or the new, both whole.

import { closeSync, fdatasync, fstatSync, fsync, ftruncateSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeRefsFile, encodeRefsFrame } from './file-refs.js';

/**
 * Past this size the next commit writes a fresh log. Readers read the whole file (but check one
 * frame's CRC), so it stays small; a rewrite costs a new inode and freeing the old one (~0.5 ms
 * on the test VM), so it is not made often: ~85 commits of a 3 KB head apart.
 */
export const COMPACT_BYTES = 256 * 1024;

const fdatasyncAsync = /* @__PURE__ */ promisify(fdatasync);
const fsyncAsync = /* @__PURE__ */ promisify(fsync);

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** Write all of `bytes` at `position` (a write may take only part of them). */
export function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off, position + off);
}

/** fsync the directory `dir` (makes a rename in it durable). */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A write whose refs are already in place (a frame appended whole, or the log renamed over the
 * old one: visible to every reader) but whose fsync then failed: the batch must not be undone,
 * only reported. `step` names the fsync that failed.
 */
export class RefsVisibleError extends Error {
  readonly step: string;
  constructor(cause: unknown, step: string) {
    super(`the refs are written and visible, but ${step} failed`, { cause });
    this.step = step;
  }
}

export class RefsLog {
  readonly #path: string;
  #fd: number | undefined; // open on the current log; undefined: not a log yet, the next write replaces the file
  #ino = -1;
  #end = 0;
  #frames = 0;
  #refs: ReadonlyMap<string, Uint8Array>;

  private constructor(path: string, refs: ReadonlyMap<string, Uint8Array>) {
    this.#path = path;
    this.#refs = refs;
  }

  /** Read the store's refs under the lock; a torn last frame is cut off here, before anything is appended. */
  static open(dir: string): RefsLog {
    const path = join(dir, 'refs');
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return new RefsLog(path, new Map());
      throw e;
    }
    try {
      const st = fstatSync(fd);
      const bytes = new Uint8Array(st.size);
      for (let off = 0; off < bytes.length; ) {
        const n = readSync(fd, bytes, off, bytes.length - off, off);
        if (n === 0) break;
        off += n;
      }
      const file = decodeRefsFile(bytes, path);
      const log = new RefsLog(path, file.refs);
      if (!file.log) {
        closeSync(fd);
        return log;
      }
      if (file.end < bytes.length) ftruncateSync(fd, file.end);
      log.#fd = fd;
      log.#ino = st.ino;
      log.#end = file.end;
      log.#frames = file.frames;
      return log;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get refs(): ReadonlyMap<string, Uint8Array> {
    return this.#refs;
  }

  /** Whether the file holds nothing but the current refs (a one-frame log). */
  get single(): boolean {
    return this.#fd !== undefined && this.#frames === 1;
  }

  /** Whether the file on disk is still exactly what this log wrote (no other writer since). */
  current(): boolean {
    const st = statSync(this.#path, { throwIfNoEntry: false });
    if (this.#fd === undefined) return st === undefined; // only ever kept for an absent file (a version-1 file is re-read)
    return st !== undefined && st.ino === this.#ino && st.size === this.#end;
  }

  /**
   * Make `refs` the store's refs: append a frame, or write a fresh log if this is not one yet, it
   * would outgrow COMPACT_BYTES, or `fresh` asks for one (a GC sweep: the older frames hold old
   * heads, and with them whatever a purge has since removed). On failure the log is unusable
   * (close it and open again).
   */
  async write(refs: ReadonlyMap<string, Uint8Array>, strict: boolean, tempPath: () => string, fresh = false): Promise<void> {
    const frame = encodeRefsFrame(refs, false);
    if (!fresh && this.#fd !== undefined && this.#end + frame.length <= COMPACT_BYTES) {
      try {
        writeAll(this.#fd, frame, this.#end);
      } catch (e) {
        // Cut what was written, so the next frame follows the last whole one. If even that
        // fails the frame is torn (a reader ignores it, the next writer cuts it).
        try {
          ftruncateSync(this.#fd, this.#end);
        } catch {
          // see above
        }
        this.close();
        throw e;
      }
      this.#end += frame.length;
      this.#frames++;
      this.#refs = refs;
      // The frame is whole, and readers may have adopted it: a failed fsync must not cut it.
      if (strict) {
        await fdatasyncAsync(this.#fd).catch((e: unknown) => {
          this.close(); // whether the descriptor can still sync is unknown: the next writer reopens
          throw new RefsVisibleError(e, 'syncing the refs log');
        });
      }
      return;
    }
    const whole = encodeRefsFrame(refs, true);
    const tmp = tempPath(); // named only for a rewrite: most commits append
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'w');
      writeAll(fd, whole, 0);
      if (strict) await fdatasyncAsync(fd);
      renameSync(tmp, this.#path);
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(tmp); // a half-written temp file is just litter
      } catch {
        // never created, or renamed already
      }
      this.close();
      throw e;
    }
    this.close();
    this.#fd = fd; // now the descriptor of the new log
    this.#ino = fstatSync(fd).ino;
    this.#end = whole.length;
    this.#frames = 1;
    this.#refs = refs;
    if (strict) await fsyncDir(join(this.#path, '..')).catch((e: unknown) => Promise.reject(new RefsVisibleError(e, 'syncing its directory')));
  }

  close(): void {
    if (this.#fd !== undefined) {
      const fd = this.#fd;
      this.#fd = undefined;
      try {
        closeSync(fd);
      } catch {
        // closed already
      }
    }
  }
}
