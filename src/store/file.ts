// The `file` backend (Node): one directory per store under `config.store.path`.
//
//   <path>/<encoded id>/cairn-store.json   marker {"format":"cairndb-store","version":1}, written last on create
//   <path>/<encoded id>/refs                every ref key (see ./keys.ts) in one file (./file-refs.ts)
//   <path>/<encoded id>/nodes/…             one file per node key, named by ./file-names.ts
//   <path>/<encoded id>/tmp/                temp files, renamed into place (a dead writer's are removed
//                                           on open and on every GC sweep, ./file-orphans.ts)
//   <path>/<encoded id>/lock                the cross-process write lock (./file-lock.ts)
//
// Invariants: a node file, once under its real name, is complete (written to tmp/, fsynced,
// then renamed) and never rewritten (node keys are write-once, so an existing file is kept).
// The refs file is replaced as a whole by write-temp + fsync + rename, after every node of the
// batch is durable. So a process killed mid-putBatch leaves the previous refs — the last good
// head — and every node they reach; at worst some unreferenced node files (garbage for GC).
// `durability: 'relaxed'` skips the fsyncs (crash-safe against a killed process, not against
// power loss); the default is 'strict'.

import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CairnError, show } from '../util/errors.js';
import { checkMarker, keyToPath, markerText, parseMarker, pathToKey, storeLayout, type Layout, type Marker } from './file-names.js';
import { withDirLock } from './file-lock.js';
import { writeNodeFiles } from './file-nodes.js';
import { bytesOnDisk, removeOrphans } from './file-orphans.js';
import { decodeRefs, encodeRefs } from './file-refs.js';
import { bytesEqual, checkBatch, checkCas, checkKey, checkKeys, closedError, conflictError } from './guard.js';
import { isRefKey } from './keys.js';
import type { Backend, CasGuard, PutOptions, Store, StoreConfig, StoreSize } from './types.js';

const MARKER = 'cairn-store.json';
const WRITE_PARALLELISM = 8;
let tempCounter = 0;

function layoutOf(config: StoreConfig): Layout {
  return storeLayout(config, 'file');
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** Map a Node fs error to a store error naming what was being done. */
function ioError(e: unknown, what: string, key?: string): CairnError {
  if (e instanceof CairnError) return e;
  const code = errno(e);
  const data = { key: key ?? null, errno: code ?? null };
  if (code === 'ENOSPC' || code === 'EDQUOT') return new CairnError('store/quota', `no space left while ${what}`, data, { cause: e });
  return new CairnError('store/io', `file store I/O failed while ${what}: ${(e as Error)?.message ?? String(e)}`, data, { cause: e });
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf); // a plain, exact-length copy (never a pooled Buffer view)
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Run `f` over `items`, WRITE_PARALLELISM at a time. Waits for every started call to settle
 * before throwing the first failure: a failed batch's cleanup must not race a write still in
 * flight (it would leave that node behind).
 */
async function inBatches<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += WRITE_PARALLELISM) {
    const results = await Promise.allSettled(items.slice(i, i + WRITE_PARALLELISM).map(f));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }
}

class FileStore implements Store {
  #closed = false;
  readonly #l: Layout;
  readonly #handles: Set<FileStore>;

  constructor(layout: Layout, handles: Set<FileStore>) {
    this.#l = layout;
    this.#handles = handles;
    handles.add(this);
  }

  #check(): void {
    if (this.#closed) throw closedError('file', this.#l.id);
  }

  #nodePath(key: string): string {
    return join(this.#l.dir, 'nodes', ...keyToPath(key));
  }

  async #readRefs(): Promise<Map<string, Uint8Array>> {
    const file = join(this.#l.dir, 'refs');
    const bytes = await readIfExists(file);
    return bytes === undefined ? new Map() : decodeRefs(bytes, file);
  }

  #tempPath(): string {
    return join(this.#l.dir, 'tmp', `${process.pid}-${Date.now().toString(36)}-${tempCounter++}`);
  }

  /** Write `bytes` to `dest` through a temp file: `dest` is either absent or complete. */
  async #writeAtomic(dest: string, bytes: Uint8Array): Promise<void> {
    const tmp = this.#tempPath();
    const fh = await open(tmp, 'w');
    try {
      try {
        await fh.writeFile(bytes);
        if (this.#l.strict) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, dest);
    } catch (e) {
      await unlink(tmp).catch(() => undefined); // a half-written temp file is just litter
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#check();
    checkKey(key);
    try {
      if (isRefKey(key)) return (await this.#readRefs()).get(key)?.slice();
      return await readIfExists(this.#nodePath(key));
    } catch (e) {
      throw ioError(e, `reading ${show(key)}`, key);
    }
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.#check();
    checkKeys(keys);
    try {
      const refs = keys.some(isRefKey) ? await this.#readRefs() : undefined;
      const out: (Uint8Array | undefined)[] = new Array(keys.length);
      await inBatches(
        keys.map((k, i) => [k, i] as const),
        async ([k, i]) => {
          out[i] = isRefKey(k) ? refs!.get(k)?.slice() : await readIfExists(this.#nodePath(k));
        },
      );
      return out;
    } catch (e) {
      throw ioError(e, `reading ${keys.length} keys`);
    }
  }

  async putBatch(entries: readonly (readonly [string, Uint8Array])[], opts?: PutOptions): Promise<void> {
    this.#check();
    checkBatch(entries, opts);
    // Later entries win, as in the contract; copies so the caller may reuse its arrays.
    const nodes = new Map<string, Uint8Array>();
    const refUpdates = new Map<string, Uint8Array>();
    for (const [k, v] of entries) (isRefKey(k) ? refUpdates : nodes).set(k, v.slice());
    const { dir } = this.#l;
    await withDirLock(dir, join(dir, 'lock'), async () => {
      this.#check();
      const written: string[] = [];
      try {
        const refs = await this.#readRefs();
        if (opts?.cas !== undefined) {
          const k = opts.cas.key;
          const current = isRefKey(k) ? refs.get(k) : await readIfExists(this.#nodePath(k));
          if (!bytesEqual(current, opts.cas.expected)) throw conflictError(k);
        }
        // 1. Nodes: write-once, each complete before it gets its name (./file-nodes.ts).
        await writeNodeFiles([...nodes], { dir, strict: this.#l.strict, tempPath: () => this.#tempPath(), written });
        if (this.#l.strict && written.length > 0) {
          // Make the new names durable: every directory that gained an entry (long keys
          // live in `…+` subdirectories, each new one an entry of its parent).
          const dirs = new Set<string>();
          for (const p of written) {
            for (let d = dirname(p); d.length > dir.length; d = dirname(d)) dirs.add(d);
          }
          await inBatches([...dirs], fsyncPath);
        }
        // 2. Refs last: one rename switches every ref of the batch at once.
        if (refUpdates.size > 0) {
          for (const [k, v] of refUpdates) refs.set(k, v);
          await this.#writeAtomic(join(dir, 'refs'), encodeRefs(refs));
          if (this.#l.strict) await fsyncPath(dir);
        }
      } catch (e) {
        // Nothing of a failed batch may stay visible: drop the node files it created.
        await Promise.all(written.map((p) => unlink(p).catch(() => undefined)));
        throw ioError(e, `writing a batch of ${entries.length} entries`);
      }
    });
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.#delete(keys, undefined);
  }

  /** GC's fence: under the same lock as putBatch, so the check and the deletes are one step. */
  deleteManyIf(keys: readonly string[], cas: CasGuard): Promise<void> {
    return this.#delete(keys, cas);
  }

  async #delete(keys: readonly string[], cas: CasGuard | undefined): Promise<void> {
    this.#check();
    checkKeys(keys);
    if (cas !== undefined) checkCas(cas);
    const { dir } = this.#l;
    await withDirLock(dir, join(dir, 'lock'), async () => {
      this.#check();
      try {
        if (cas !== undefined) {
          const current = isRefKey(cas.key) ? (await this.#readRefs()).get(cas.key) : await readIfExists(this.#nodePath(cas.key));
          if (!bytesEqual(current, cas.expected)) throw conflictError(cas.key);
          await removeOrphans(dir); // a GC sweep: also the temp files of killed writers
        }
        const refKeys = keys.filter(isRefKey);
        if (refKeys.length > 0) {
          const refs = await this.#readRefs();
          let changed = false;
          for (const k of refKeys) changed = refs.delete(k) || changed;
          if (changed) await this.#writeAtomic(join(dir, 'refs'), encodeRefs(refs));
        }
        await inBatches(
          keys.filter((k) => !isRefKey(k)),
          async (k) => {
            await unlink(this.#nodePath(k)).catch((e) => {
              if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw e;
            });
          },
        );
      } catch (e) {
        throw ioError(e, `deleting ${keys.length} keys`);
      }
    });
  }

  async keys(): Promise<string[]> {
    this.#check();
    try {
      const out = [...(await this.#readRefs()).keys()];
      const walk = async (pieces: string[]): Promise<void> => {
        const entries = await readdir(join(this.#l.dir, 'nodes', ...pieces), { withFileTypes: true });
        for (const ent of entries) {
          if (ent.isDirectory()) {
            await walk([...pieces, ent.name]);
          } else {
            const key = pathToKey([...pieces, ent.name]);
            if (key !== undefined) out.push(key);
          }
        }
      };
      await walk([]);
      return out;
    } catch (e) {
      throw ioError(e, 'listing keys');
    }
  }

  async size(): Promise<StoreSize> {
    this.#check();
    try {
      return { keys: (await this.keys()).length, bytes: await bytesOnDisk(this.#l.dir) };
    } catch (e) {
      throw ioError(e, 'measuring the store');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handles.delete(this);
  }
}

/** A `file` backend. Open handles are tracked per instance so `delete` can close them. */
export function createFileBackend(): Backend {
  const handles = new Map<string, Set<FileStore>>();
  const handlesOf = (dir: string): Set<FileStore> => {
    let set = handles.get(dir);
    if (set === undefined) handles.set(dir, (set = new Set()));
    return set;
  };

  async function readMarker(l: Layout): Promise<Marker | undefined> {
    const bytes = await readIfExists(join(l.dir, MARKER));
    return bytes === undefined ? undefined : parseMarker(new TextDecoder().decode(bytes), l, show(join(l.dir, MARKER)));
  }

  return {
    async create(config) {
      const l = layoutOf(config);
      try {
        await mkdir(l.dir, { recursive: true });
        if ((await readMarker(l)) !== undefined) {
          throw new CairnError('db/exists', `file store ${show(config.id)} already exists at ${show(l.dir)}`, { backend: 'file', id: config.id });
        }
        // No marker: either nothing is there or a delete/create was cut short. Start empty,
        // so no leftover node or ref leaks into the new store.
        for (const ent of await readdir(l.dir)) await rm(join(l.dir, ent), { recursive: true, force: true });
        await mkdir(join(l.dir, 'nodes'), { recursive: true });
        await mkdir(join(l.dir, 'tmp'), { recursive: true });
        const store = new FileStore(l, handlesOf(l.dir));
        // The marker last, via temp + rename: a crashed create leaves no half-made store.
        const tmp = join(l.dir, 'tmp', `marker-${process.pid}-${tempCounter++}`);
        const fh = await open(tmp, 'wx');
        await fh.writeFile(markerText());
        if (l.strict) await fh.sync();
        await fh.close();
        await rename(tmp, join(l.dir, MARKER));
        if (l.strict) await fsyncPath(l.dir);
        return store;
      } catch (e) {
        throw ioError(e, `creating store ${show(config.id)}`);
      }
    },
    async connect(config) {
      const l = layoutOf(config);
      const marker = await readMarker(l).catch((e) => {
        throw ioError(e, `opening store ${show(config.id)}`);
      });
      checkMarker(marker, l, 'file');
      // Litter of writers killed since the store was last opened (dead pids only: safe unlocked).
      await removeOrphans(l.dir).catch((e) => {
        throw ioError(e, `opening store ${show(config.id)}`);
      });
      return new FileStore(l, handlesOf(l.dir));
    },
    async exists(config) {
      const l = layoutOf(config);
      try {
        return (await readMarker(l)) !== undefined;
      } catch (e) {
        throw ioError(e, `checking store ${show(config.id)}`);
      }
    },
    async delete(config) {
      const l = layoutOf(config);
      for (const h of [...(handles.get(l.dir) ?? [])]) await h.close();
      handles.delete(l.dir);
      await withDirLock(l.dir, join(l.dir, 'lock'), async () => {
        // The marker first, so a delete interrupted half-way reads as "no store".
        await rm(join(l.dir, MARKER), { force: true });
        await rm(l.dir, { recursive: true, force: true });
      }).catch((e) => {
        if (errno(e) === 'ENOENT') return; // no directory, nothing to delete
        throw ioError(e, `deleting store ${show(config.id)}`);
      });
    },
  };
}
