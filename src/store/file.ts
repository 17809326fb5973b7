// The `file` backend (Node): one directory per store under `config.store.path`.
//
//   <path>/<encoded id>/cairn-store.json   marker {"format":"cairndb-store","version":3}, written last on create
//   <path>/<encoded id>/refs                every ref key (see ./keys.ts): a log of whole snapshots (./file-refs.ts)
//   <path>/<encoded id>/nodes/…             one name per node key (./file-names.ts): the node's own file, or a
//                                           hard link to the pack holding it with others of its batch (./file-pack.ts)
//   <path>/<encoded id>/tmp/                temp files, renamed or linked into place (a dead writer's are removed
//                                           on open and on every GC sweep, ./file-orphans.ts)
//   <path>/<encoded id>/lock                the cross-process write lock (./file-lock.ts); lock.wait: a waiting writer
//
// Invariants: a node name, once placed, means complete bytes (written to tmp/, fsynced, then
// renamed or linked) that never change (node keys are write-once, so an existing name is kept).
// A batch's refs become visible in one step, after every node of the batch is durable: one
// checksummed frame appended to the refs log (./file-refs-log.ts), or, every 64 KB, a fresh
// log renamed into place. So a process killed mid-putBatch leaves the previous refs — the last
// good head — and every node they reach; at worst some unreferenced node names (garbage for GC)
// and a torn last frame that readers ignore and the next writer cuts off.
// `durability: 'relaxed'` skips the fsyncs (crash-safe against a killed process, not against
// power loss); the default is 'strict'.

import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CairnError, show } from '../util/errors.js';
import { checkMarker, keyToPath, markerText, parseMarker, pathToKey, storeLayout, type Layout, type Marker } from './file-names.js';
import { releaseLease, withDirLock, type LockHold } from './file-lock.js';
import { repack, writeNodeFiles } from './file-nodes.js';
import { packSurvivors, readNode, sharedPack } from './file-pack.js';
import { bytesOnDisk, removeOrphans } from './file-orphans.js';
import { decodeRefsFile } from './file-refs.js';
import { RefsLog, RefsVisibleError } from './file-refs-log.js';
import { bytesEqual, checkBatch, checkCas, checkKey, checkKeys, closedError, conflictError } from './guard.js';
import { isRefKey } from './keys.js';
import type { Backend, CasGuard, PutOptions, Store, StoreConfig, StoreSize } from './types.js';

const MARKER = 'cairn-store.json';
/**
 * The layout this code writes, in the marker: 2 since the refs file is a log (./file-refs.ts), 3
 * since node names may link to packs (./file-pack.ts). A store marked lower (an older CairnDB's,
 * which this code reads) is marked 3 when it is opened, so an older CairnDB refuses it with
 * store/format-version instead of misreading the log or a pack.
 */
const LAYOUT_VERSION = 3;
const WRITE_PARALLELISM = 8;
/** How long a writer keeps the store's lock after a batch, for its next one (file-lock.ts, "lease"). */
const LEASE_LINGER_MS = 5;
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

/** Write the store's marker via temp + rename (a reader sees the old one or the new one, whole). */
async function writeMarker(l: Layout): Promise<void> {
  const tmp = join(l.dir, 'tmp', `marker-${process.pid}-${tempCounter++}`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(markerText(LAYOUT_VERSION));
    if (l.strict) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(l.dir, MARKER));
  if (l.strict) await fsyncPath(l.dir);
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
    return bytes === undefined ? new Map() : decodeRefsFile(bytes, file).refs;
  }

  /**
   * The refs under the lock: the log this thread kept open while it held the lock (a lease) if
   * the file is still the one it wrote, else read afresh (which also cuts a torn last frame).
   */
  #lockedRefs(hold: LockHold): ReadonlyMap<string, Uint8Array> {
    if (hold.refs === undefined || !hold.refs.current()) {
      hold.refs?.close();
      hold.refs = undefined;
      hold.refs = RefsLog.open(this.#l.dir);
    }
    return hold.refs.refs;
  }

  /** Make `refs` the store's refs: one frame appended to the refs log (./file-refs-log.ts), or a fresh log. */
  async #writeRefs(hold: LockHold, refs: ReadonlyMap<string, Uint8Array>, fresh = false): Promise<void> {
    const log = hold.refs ?? RefsLog.open(this.#l.dir);
    hold.refs = undefined; // unusable if the write fails
    await log.write(refs, this.#l.strict, () => this.#tempPath(), fresh);
    hold.refs = log;
  }

  /** A fresh temp file name, carrying this process's pid (./file-orphans.ts). */
  #tempPath(): string {
    return join(this.#l.dir, 'tmp', `${process.pid}-${Date.now().toString(36)}-${tempCounter++}`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#check();
    checkKey(key);
    try {
      if (isRefKey(key)) return (await this.#readRefs()).get(key)?.slice();
      return await readNode(this.#nodePath(key), key);
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
          out[i] = isRefKey(k) ? refs!.get(k)?.slice() : await readNode(this.#nodePath(k), k);
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
    await withDirLock(
      dir,
      join(dir, 'lock'),
      async (hold) => {
        this.#check();
        const written: string[] = [];
        try {
          const refs = this.#lockedRefs(hold);
          if (opts?.cas !== undefined) {
            const k = opts.cas.key;
            const current = isRefKey(k) ? refs.get(k) : await readNode(this.#nodePath(k), k);
            if (!bytesEqual(current, opts.cas.expected)) throw conflictError(k);
          }
          // 1. Nodes: write-once, each complete before it gets its name.
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
          // 2. Refs last: one frame appended to the refs log switches every ref of the batch at once.
          if (refUpdates.size > 0) {
            const next = new Map(refs);
            for (const [k, v] of refUpdates) next.set(k, v);
            await this.#writeRefs(hold, next);
          }
        } catch (e) {
          // The refs are in place, only not yet durable: the batch stays, and says so.
          if (e instanceof RefsVisibleError)
            throw ioError(e.cause, `${e.step} after a batch of ${entries.length} entries (the batch is written and visible, but may not survive a power loss)`);
          // Nothing of a failed batch may stay visible: drop the node files it created.
          await Promise.all(written.map((p) => unlink(p).catch(() => undefined)));
          throw ioError(e, `writing a batch of ${entries.length} entries`);
        }
      },
      { linger: LEASE_LINGER_MS },
    );
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
    await withDirLock(dir, join(dir, 'lock'), async (hold) => {
      this.#check();
      try {
        if (cas !== undefined) {
          const current = isRefKey(cas.key) ? this.#lockedRefs(hold).get(cas.key) : await readNode(this.#nodePath(cas.key), cas.key);
          if (!bytesEqual(current, cas.expected)) throw conflictError(cas.key);
          await removeOrphans(dir); // a GC sweep: also the temp files of killed writers
        }
        const refKeys = keys.filter(isRefKey);
        if (refKeys.length > 0 || cas !== undefined) {
          const refs = new Map(this.#lockedRefs(hold));
          let changed = false;
          for (const k of refKeys) changed = refs.delete(k) || changed;
          // A GC sweep also drops the refs log's older frames: they hold old heads, and with
          // them the datoms of small commits, purged ones included.
          const sweep = cas !== undefined && !hold.refs!.single;
          if (changed || sweep) await this.#writeRefs(hold, refs, sweep);
        }
        const nodeKeys = keys.filter((k) => !isRefKey(k));
        // A pack that other names keep would keep the deleted nodes' bytes too (purged ones
        // above all): first the nodes still named there move to a new pack, each name renamed
        // over (a reader sees the old pack or the new, both whole), then the names go, and the
        // old pack with its last one. Never zeroed in place: a reader that opened a name just
        // before it went still reads whole bytes.
        const packs = new Map<string, FileHandle>();
        try {
          await inBatches(nodeKeys, async (k) => {
            const pack = await sharedPack(this.#nodePath(k));
            if (pack === undefined) return;
            if (packs.has(pack.id)) await pack.fh.close();
            else packs.set(pack.id, pack.fh);
          });
          const leaving = new Set(nodeKeys);
          for (const fh of packs.values()) {
            const live = await packSurvivors(fh, (k) => this.#nodePath(k), leaving);
            if (live.length > 0) await repack(live, { dir, strict: this.#l.strict, tempPath: () => this.#tempPath() });
          }
        } finally {
          await Promise.all([...packs.values()].map((fh) => fh.close()));
        }
        await inBatches(nodeKeys, async (k) => {
          await unlink(this.#nodePath(k)).catch((e) => {
            if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw e;
          });
        });
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
    releaseLease(this.#l.dir); // a closed store leaves no lock behind
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
        await writeMarker(l); // last: a crashed create leaves no half-made store
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
      const { version } = checkMarker(marker, l, 'file', LAYOUT_VERSION);
      if (version < LAYOUT_VERSION)
        await writeMarker(l).catch((e) => {
          throw ioError(e, `opening store ${show(config.id)}`);
        });
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
