// Opening a synced database on a device (docs/sync.md "The device side"): the local store is
// created on first use; a device with no replica waits for the server's head, one with a
// replica opens it at once and follows the server in the background.

import type { IndexFactory } from '../indices/types.js';
import type { BackendRegistry } from '../store/registry.js';
import { StoreNodeStorage } from '../conn/node-storage.js';
import { HEAD_KEY, restore, type CommitRecord } from '../conn/commit.js';
import { CairnError, fail, isCairnError, show } from '../util/errors.js';
import { Outbox } from './outbox.js';
import { ReplicaStore } from './replica-store.js';
import { offline, SyncSocket } from './socket.js';
import { SyncedConn } from './synced-conn.js';
import type { HeadInfo } from './wire.js';

import type { SyncConfig } from '../db/inputs.js';

export type { SyncConfig };

/** Refusals that fail `connect` (a network failure does not, when a replica exists). */
const REFUSALS = new Set(['sync/unauthorized', 'sync/forbidden', 'sync/unknown-db', 'sync/protocol']);

export function checkSyncConfig(sync: unknown, storeId: string): SyncConfig {
  const s = sync as Partial<SyncConfig> | null;
  if (typeof s !== 'object' || s === null) fail('config/invalid', `config.sync must be an object { url, token | getToken }, got ${show(sync)}`);
  if (typeof s.url !== 'string' || !/^wss?:\/\/./.test(s.url)) fail('config/invalid', `config.sync.url must be a ws:// or wss:// URL, got ${show(s.url)}`);
  if (s.token !== undefined && typeof s.token !== 'string') fail('config/invalid', `config.sync.token must be a string, got ${show(s.token)}`);
  if (s.getToken !== undefined && typeof s.getToken !== 'function') fail('config/invalid', 'config.sync.getToken must be a function');
  for (const key of ['connectTimeoutMs', 'heartbeatMs', 'deadAfterMs', 'minBackoffMs', 'maxBackoffMs'] as const) {
    const ms: unknown = s[key];
    if (ms !== undefined && !(typeof ms === 'number' && ms > 0 && Number.isFinite(ms)))
      fail('config/invalid', `config.sync.${key} must be a positive number of milliseconds, got ${show(ms)}`);
  }
  if (s.WebSocket !== undefined && typeof s.WebSocket !== 'function')
    fail('config/invalid', `config.sync.WebSocket must be a WebSocket class, got ${show(s.WebSocket)}`);
  const db = s.db ?? storeId;
  if (typeof db !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(db))
    fail('config/invalid', `config.sync.db must be a database name of 1-128 characters [A-Za-z0-9._-], got ${show(db)}`);
  return { ...(s as SyncConfig), db };
}

interface Resolved {
  readonly store: { readonly backend: string; readonly id: string; readonly [k: string]: unknown };
  readonly sync?: unknown;
  readonly index: string;
}

/** The first outcome of the socket: a welcome, or the error of the first failed attempt. */
function firstOutcome(): { promise: Promise<HeadInfo | CairnError>; settle(x: HeadInfo | CairnError): void } {
  let settle!: (x: HeadInfo | CairnError) => void;
  const promise = new Promise<HeadInfo | CairnError>((resolve) => (settle = resolve));
  return { promise, settle };
}

/** `p`, or what `late` says once `ms` have passed (the timer does not outlive the race). */
function within<T, U>(p: Promise<T>, ms: number, late: () => U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<U>((resolve) => (timer = setTimeout(() => resolve(late()), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One tab per synced replica: its outbox and local head are not coordinated between tabs yet,
 * so a second tab of the same browser is refused (sync/busy) rather than allowed to corrupt them.
 * Returns the lock's release, or a no-op where there are no Web Locks (Node: one process).
 */
function holdReplicaLock(id: string): Promise<() => void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined || typeof locks.request !== 'function') return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    locks
      .request(`cairndb-sync-replica:${id}`, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          reject(
            new CairnError(
              'sync/busy',
              `the synced database ${show(id)} is open in another tab or worker of this browser; synced replicas are one tab at a time for now`,
              { id },
            ),
          );
          return undefined;
        }
        return new Promise<void>((release) => resolve(release));
      })
      .catch(reject);
  });
}

export async function openSynced(
  c: Resolved,
  key: string,
  registry: BackendRegistry,
  factoryFor: (name: string) => IndexFactory,
  cacheSize?: number,
): Promise<SyncedConn> {
  const sync = checkSyncConfig(c.sync, c.store.id);
  const connectTimeout = sync.connectTimeoutMs ?? 5_000;
  const unlock = await holdReplicaLock(`${c.store.backend}:${c.store.id}`);
  let created = false;
  let opened: Awaited<ReturnType<BackendRegistry['open']>>;
  try {
    created = !(await registry.exists(c.store));
    opened = created ? await registry.create(c.store) : await registry.open(c.store);
  } catch (e) {
    unlock();
    throw e;
  }
  let conn: SyncedConn | null = null;
  const first = firstOutcome();
  // A device without a replica needs the server: it waits through failed attempts (the socket
  // retries with backoff) for a welcome or a refusal, until connectTimeoutMs.
  let welcomeOrRefusal = firstOutcome();
  let lastFailure: CairnError | null = null;
  let welcomed: HeadInfo | null = null;
  const socket = new SyncSocket(
    {
      url: sync.url,
      db: sync.db!,
      getToken: sync.getToken ?? (() => sync.token ?? null),
      ...(sync.WebSocket ? { WebSocket: sync.WebSocket } : {}),
      ...(sync.heartbeatMs ? { heartbeatMs: sync.heartbeatMs } : {}),
      ...(sync.deadAfterMs ? { deadAfterMs: sync.deadAfterMs } : {}),
      ...(sync.minBackoffMs ? { minBackoffMs: sync.minBackoffMs } : {}),
      ...(sync.maxBackoffMs ? { maxBackoffMs: sync.maxBackoffMs } : {}),
    },
    {
      welcome: (w) => {
        first.settle(w.head);
        welcomeOrRefusal.settle(w.head);
        if (conn !== null) conn.onWelcome(w.head);
        else welcomed = w.head;
      },
      head: (h) => {
        if (conn !== null) conn.onHead(h);
        else welcomed = h;
      },
      state: (online, error) => {
        if (error !== null) first.settle(error);
        if (error !== null && REFUSALS.has(error.code)) welcomeOrRefusal.settle(error);
        else if (error !== null) lastFailure = error;
        conn?.onState(online, error);
      },
    },
  );
  const replica = new ReplicaStore(opened.store, async (keys) => {
    const out: (Uint8Array | null)[] = [];
    const per = socket.limits?.maxKeysPerGet ?? 256;
    for (let i = 0; i < keys.length; i += per) {
      const asked = keys.slice(i, i + per);
      const m = await socket.request({ type: 'get', keys: asked });
      if (m.type !== 'records') throw new CairnError('sync/protocol', `expected records, got ${m.type}`);
      // One value (or null) per key asked, in order: anything else would pair keys with the wrong records.
      if (m.values.length !== asked.length) throw new CairnError('sync/protocol', `asked for ${asked.length} records, the sync server sent ${m.values.length}`);
      out.push(...m.values);
    }
    return out;
  });
  try {
    socket.start();
    let localHead = await opened.store.get(HEAD_KEY);
    /** First connect: adopt the server's head (its commit, schema and tail; nodes come lazily). */
    const adopt = async (head: HeadInfo): Promise<Uint8Array> => {
      const bytes = await replica.get(`c:${head.commit}`);
      if (bytes === undefined) throw new CairnError('sync/protocol', `the server's head commit ${head.commit} is missing`);
      const commit = opened.codec.decode(bytes, { kind: 'commit' }) as CommitRecord;
      await replica.ensure([commit.schema, ...commit.tail.sealed]);
      const ref = opened.codec.encode({ commit: commit.id }, 'ref');
      await opened.store.putBatch([[HEAD_KEY, ref]]);
      return ref;
    };
    if (localHead === undefined) {
      const deadline = Date.now() + connectTimeout;
      while (localHead === undefined) {
        const outcome = await within(
          welcomeOrRefusal.promise,
          Math.max(0, deadline - Date.now()),
          () => lastFailure ?? offline(`no answer within ${connectTimeout} ms`),
        );
        if (outcome instanceof CairnError) {
          if (REFUSALS.has(outcome.code)) throw outcome;
          throw new CairnError(
            'sync/unreachable',
            `database ${show(sync.db)} has no replica on this device yet and the sync server cannot be reached: ${outcome.message}`,
            { url: sync.url, db: sync.db! },
          );
        }
        try {
          localHead = await adopt(outcome);
        } catch (e) {
          // The connection dropped while fetching: the socket reconnects, and its welcome is adopted.
          if (!isCairnError(e, 'sync/offline') || Date.now() >= deadline) throw e;
          lastFailure = e;
          welcomeOrRefusal = firstOutcome();
          if (socket.online && welcomed !== null) welcomeOrRefusal.settle(welcomed);
        }
      }
    } else {
      const o = await within(first.promise, connectTimeout, () => null);
      if (o instanceof CairnError && REFUSALS.has(o.code)) throw o;
    }
    const nodes = new StoreNodeStorage(replica, opened.codec, cacheSize);
    const restored = await restore(replica, opened.codec, nodes, factoryFor(c.index));
    const outbox = await Outbox.load(opened.store, opened.codec);
    const commitConfig = restored.persisted.commit.config;
    conn = new SyncedConn({
      key,
      opened: { ...opened, store: replica },
      nodes,
      factory: factoryFor(commitConfig.index),
      db: restored.db,
      persisted: restored.persisted,
      foldAt: commitConfig.branchingFactor,
      replica,
      outbox,
      socket,
      unlock,
    });
    await conn.start();
    conn.onState(socket.online, null);
    if (welcomed !== null || socket.online) conn.onWelcome(welcomed ?? ((await first.promise) as HeadInfo));
    return conn;
  } catch (e) {
    socket.close();
    await opened.store.close().catch(() => {});
    if (created) await registry.delete(c.store).catch(() => {});
    unlock();
    throw isCairnError(e) ? e : new CairnError('sync/unreachable', `connecting the synced database failed: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** `createDatabase` of a synced config: the local store only (the database lives on the server). */
export async function createSyncedStore(c: Resolved, registry: BackendRegistry): Promise<void> {
  checkSyncConfig(c.sync, c.store.id);
  const opened = await registry.create(c.store);
  await opened.store.close();
}
