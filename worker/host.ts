// The worker side of the boundary: `createHost(engine)` turns an in-process engine (EngineApi)
// into the `WorkerApi` surface that worker.ts exposes over Comlink.
//
// State (the only mutable things in the worker besides the engine's connections):
// - `conns`: handle id -> live connection, its recent committed Db values by basisT (an LRU
//   window, filled from connect, transact reports and an internal listener), and the Comlink
//   proxy that tells the client about new heads.
// - `speculative`: ref -> Db for withDb results (an LRU window).
// - `listeners`: listener id -> engine unlisten + the client's Comlink proxy.
// Ids are never reused, so a stale handle cannot reach a different connection.

import * as Comlink from 'comlink';
import { CairnError, show } from '../src/util/errors.js';
import type { Config, Connection, Db, EngineApi, TxReport } from '../src/engine.js';
import type { Coordinator, CoordinatorFactory } from './coordination.js';
import { LRU } from '../src/util/lru.js';
import { toWireError } from './errors.js';
import type { LiveQuery } from '../src/live/subscribable.js';
import {
  isConnHandle,
  isDbHandle,
  type ConnHandle,
  type DbHandle,
  type RemoteListener,
  type RemoteTxReport,
  type StorageChoice,
  type ViewOp,
  type WorkerApi,
  type LiveSpec,
  type LiveUpdate,
} from './protocol.js';
import { resolveStore, storageChoice } from './storage.js';
import { storeSize } from '../src/api.js';
import type { RemoteSyncEvent, SyncEvent, SyncStatus } from './protocol.js';

export interface HostOptions {
  /** Resolves to null when IndexedDB can be opened, else the reason (default: assume it can't be used). */
  readonly probeIndexedDb?: () => Promise<string | null>;
  /** Makes the cross-tab coordinator handed to each connection (default: none). */
  readonly coordinatorFor?: CoordinatorFactory;
  /** Called on `resync()` (page visible again). */
  readonly onResync?: () => void;
  /** Committed Db values kept per connection for handles (default 256). */
  readonly dbWindow?: number;
  /** Speculative (withDb) values kept (default 256). */
  readonly speculativeWindow?: number;
  /** The engine's sync functions (docs/sync.md), when it has them. */
  readonly sync?: {
    readonly status: (conn: Connection) => Promise<SyncStatus>;
    readonly on: (conn: Connection, callback: (e: SyncEvent) => void) => () => void;
  };
}

/** The in-process connect, with the optional seam src/conn may accept (see coordination.ts). */
type ConnectWithOptions = (config: Config, options?: { readonly coordinator?: Coordinator }) => Promise<Connection>;

interface LiveConn {
  readonly handle: ConnHandle;
  readonly conn: Connection;
  readonly dbs: LRU<number, Db>;
  readonly unlisten: () => void;
  readonly onHead: ((basisT: number) => void) | undefined;
  readonly listenerIds: Set<number>;
  readonly liveIds: Set<number>;
}

/** A client's live query: the in-process one, our subscription to it, the client's proxy. */
interface LiveSub {
  readonly connId: number;
  readonly live: LiveQuery<unknown>;
  readonly unsubscribe: () => void;
  readonly onUpdate: (update: LiveUpdate) => void;
}

interface LiveListener {
  readonly connId: number;
  readonly unlisten: () => void;
  readonly callback: RemoteListener;
}

/** Release a Comlink proxy we were handed, if it is one (plain functions in tests are not). */
function releaseRemote(f: unknown): void {
  const release = (f as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
  if (typeof release === 'function') {
    try {
      release.call(f);
    } catch {
      // Already released or its port is gone: nothing left to free.
    }
  }
}

/** Fire-and-forget a call to the client; a closed page must not crash the worker. */
function notify(f: () => unknown): void {
  try {
    const r = f();
    if (r instanceof Promise) r.catch(() => {});
  } catch {
    // The client went away.
  }
}

export function createHost(engine: EngineApi, opts: HostOptions = {}): WorkerApi {
  const conns = new Map<number, LiveConn>();
  const speculative = new LRU<number, Db>(opts.speculativeWindow ?? 256);
  const listeners = new Map<number, LiveListener>();
  const lives = new Map<number, LiveSub>();
  let shuttingDown = false; // the client is closing: no point telling its live queries
  const syncListeners = new Map<number, { readonly connId: number; readonly off: () => void; readonly callback: unknown }>();
  let nextId = 1;
  let probe: Promise<{ problem: string | null; choice: StorageChoice }> | undefined;

  const storage = (): Promise<{ problem: string | null; choice: StorageChoice }> => {
    probe ??= (opts.probeIndexedDb ?? (() => Promise.resolve('no IndexedDB probe configured')))().then((problem) => ({
      problem,
      choice: storageChoice(problem),
    }));
    return probe;
  };
  const resolveConfig = async (config: Config | undefined): Promise<Config> => {
    const { problem, choice } = await storage();
    return resolveStore(config ?? {}, choice, problem);
  };

  const liveConn = (handle: ConnHandle | number): LiveConn => {
    const id = typeof handle === 'number' ? handle : handle?.id;
    const live = typeof id === 'number' ? conns.get(id) : undefined;
    if (!live) {
      if (typeof id === 'number' && id > 0 && id < nextId) throw new CairnError('db/released', `connection ${id} was released`, { conn: id });
      throw new CairnError('worker/protocol', `not a connection handle: ${show(handle)}`, {});
    }
    return live;
  };

  const remember = (live: LiveConn, db: Db): void => {
    live.dbs.set(db.basisT, db);
  };

  const applyView = (db: Db, v: ViewOp): Db => {
    switch (v.kind) {
      case 'history':
        return engine.history(db);
      case 'asOf':
        return engine.asOf(db, v.t);
      case 'since':
        return engine.since(db, v.t);
      default: {
        const never: never = v;
        throw new CairnError('worker/protocol', `unknown view ${show(never)}`);
      }
    }
  };

  const resolveDb = (h: DbHandle): Db => {
    if (!isDbHandle(h)) throw new CairnError('worker/protocol', `not a Db handle: ${show(h)}`);
    let base: Db | undefined;
    if (h.ref !== null) {
      base = speculative.get(h.ref);
      if (!base)
        throw new CairnError('worker/protocol', `speculative Db ${h.ref} (basisT ${h.basisT}) is no longer held by the worker; re-run withDb`, { ref: h.ref });
    } else {
      const live = liveConn(h.conn);
      base = live.dbs.get(h.basisT);
      if (!base) {
        const current = engine.db(live.conn);
        remember(live, current);
        if (current.basisT === h.basisT) base = current;
      }
      if (!base)
        throw new CairnError('worker/protocol', `Db at basisT ${h.basisT} of connection ${h.conn} is no longer held by the worker; take a fresh db(conn)`, {
          conn: h.conn,
          basisT: h.basisT,
        });
    }
    return h.views.reduce(applyView, base);
  };

  /** Replace Db handles among query inputs by the values they name. */
  const resolveInputs = (inputs: readonly unknown[]): unknown[] => inputs.map((x) => (isDbHandle(x) ? resolveDb(x) : x));

  const committedHandle = (connId: number, db: Db): DbHandle => ({ __cairn: 'db', conn: connId, basisT: db.basisT, ref: null, views: [] });

  const wireReport = (live: LiveConn, r: TxReport): RemoteTxReport => {
    remember(live, r.dbBefore);
    remember(live, r.dbAfter);
    return {
      dbBefore: committedHandle(live.handle.id, r.dbBefore),
      dbAfter: committedHandle(live.handle.id, r.dbAfter),
      txData: r.txData,
      tempids: r.tempids,
      txMeta: r.txMeta,
    };
  };

  const dropListener = (id: number): void => {
    const l = listeners.get(id);
    if (!l) return;
    listeners.delete(id);
    conns.get(l.connId)?.listenerIds.delete(id);
    l.unlisten();
    releaseRemote(l.callback);
  };

  /** Stop a live query and free its proxy; its run count, 0 when unknown. */
  const dropLive = async (id: number): Promise<number> => {
    const l = lives.get(id);
    if (!l) return 0;
    lives.delete(id);
    conns.get(l.connId)?.liveIds.delete(id);
    l.unsubscribe();
    releaseRemote(l.onUpdate);
    return (await l.live.stats()).runs;
  };

  const release = async (handle: ConnHandle): Promise<void> => {
    const live = liveConn(handle);
    conns.delete(live.handle.id);
    for (const [id, l] of syncListeners)
      if (l.connId === live.handle.id) {
        syncListeners.delete(id);
        l.off();
        releaseRemote(l.callback);
      }
    for (const id of [...live.listenerIds]) dropListener(id);
    for (const id of [...live.liveIds]) {
      // Tell the client's subscribers why nothing more will come, then free the worker side.
      const l = lives.get(id);
      const why = new CairnError('db/released', `connection ${live.handle.id} was released; its live queries stopped`, { conn: live.handle.id });
      if (l && !shuttingDown) notify(() => l.onUpdate({ kind: 'error', error: toWireError(why) }));
      void dropLive(id);
    }
    live.unlisten();
    releaseRemote(live.onHead);
    live.dbs.clear();
    await engine.release(live.conn);
  };

  return {
    async createDatabase(config) {
      await engine.createDatabase(await resolveConfig(config));
    },
    async deleteDatabase(config) {
      await engine.deleteDatabase(await resolveConfig(config));
    },
    async databaseExists(config) {
      return engine.databaseExists(await resolveConfig(config));
    },
    async connect(config, onHead) {
      const resolved = await resolveConfig(config);
      const coordinator = opts.coordinatorFor && resolved.store ? opts.coordinatorFor(resolved.store) : undefined;
      let conn: Connection;
      try {
        conn = await (engine.connect as ConnectWithOptions)(resolved, coordinator ? { coordinator } : undefined);
      } catch (e) {
        coordinator?.close();
        throw e;
      }
      const id = nextId++;
      const handle: ConnHandle = { __cairn: 'conn', id, config: resolved };
      const dbs = new LRU<number, Db>(opts.dbWindow ?? 256);
      // Registered before any user listener, so the window holds every head the client can see.
      const live: LiveConn = {
        handle,
        conn,
        dbs,
        onHead,
        listenerIds: new Set(),
        liveIds: new Set(),
        // The coordinator now belongs to the connection, which closes it when it closes.
        unlisten: engine.listen(conn, (r) => {
          remember(live, r.dbBefore);
          remember(live, r.dbAfter);
          if (onHead) notify(() => onHead(r.dbAfter.basisT));
        }),
      };
      conns.set(id, live);
      const current = engine.db(conn);
      remember(live, current);
      return { handle, basisT: current.basisT };
    },
    release,
    async transact(conn, input) {
      const live = liveConn(conn);
      return wireReport(live, await engine.transact(live.conn, input));
    },
    async q(query, ...inputs) {
      if (typeof query === 'object' && query !== null && !Array.isArray(query) && 'query' in query) {
        const map = query as { query: unknown; args?: readonly unknown[] };
        // args that are not an array go as they are: the engine says what is wrong with them
        const args = Array.isArray(map.args) ? resolveInputs(map.args) : map.args;
        return engine.q({ ...map, args } as Parameters<EngineApi['q']>[0], ...resolveInputs(inputs));
      }
      return engine.q(query, ...resolveInputs(inputs));
    },
    async exportDb(db, sink, onProgress, aborted) {
      return engine.exportDb(resolveDb(db), sink, { ...(onProgress ? { onProgress } : {}), ...(aborted ? { aborted } : {}) });
    },
    async importDb(handle, source, onProgress, aborted) {
      return engine.importDb(liveConn(handle).conn, source, { ...(onProgress ? { onProgress } : {}), ...(aborted ? { aborted } : {}) });
    },
    async explain(query, ...inputs) {
      if (typeof query === 'object' && query !== null && !Array.isArray(query) && 'query' in query) {
        const map = query as { query: unknown; args?: readonly unknown[] };
        return engine.explain({ ...map, args: resolveInputs(map.args ?? []) } as Parameters<EngineApi['explain']>[0], ...resolveInputs(inputs));
      }
      return engine.explain(query, ...resolveInputs(inputs));
    },
    async pull(db, pattern, eid) {
      return engine.pull(resolveDb(db), pattern, eid);
    },
    async pullMany(db, pattern, eids) {
      return engine.pullMany(resolveDb(db), pattern, eids);
    },
    async datoms(db, index, ...components) {
      return engine.datoms(resolveDb(db), index, ...components);
    },
    async seekDatoms(db, index, ...components) {
      return engine.seekDatoms(resolveDb(db), index, ...components);
    },
    async indexRange(db, attr, start, end) {
      return engine.indexRange(resolveDb(db), attr, start, end);
    },
    async withDb(db, input) {
      const r = await engine.withDb(resolveDb(db), input);
      const ref = nextId++;
      speculative.set(ref, r.dbAfter);
      return {
        dbBefore: db,
        dbAfter: { __cairn: 'db', conn: db.conn, basisT: r.dbAfter.basisT, ref, views: [] },
        txData: r.txData,
        tempids: r.tempids,
        txMeta: r.txMeta,
      };
    },
    async schema(db) {
      return engine.schema(resolveDb(db));
    },
    async reverseSchema(db) {
      return engine.reverseSchema(resolveDb(db));
    },
    async gcStorage(conn, removeBefore) {
      return engine.gcStorage(liveConn(conn).conn, removeBefore);
    },
    async listen(conn, callback) {
      const live = liveConn(conn);
      const id = nextId++;
      const unlisten = engine.listen(live.conn, (r) => {
        const report = wireReport(live, r);
        notify(() => callback(report));
      });
      listeners.set(id, { connId: live.handle.id, unlisten, callback });
      live.listenerIds.add(id);
      return id;
    },
    async unlisten(listenerId) {
      dropListener(listenerId);
    },
    async liveStart(conn, spec: LiveSpec, onUpdate) {
      const live = liveConn(conn);
      // The client's ConnHandle stands for this connection's current value (src/live/index.ts).
      const own = (xs: readonly unknown[]): unknown[] =>
        xs.map((x) => (isConnHandle(x) && x.id === live.handle.id ? live.conn : isDbHandle(x) ? resolveDb(x) : x));
      let lq: LiveQuery<unknown>;
      switch (spec.kind) {
        case 'query': {
          const q = spec.query;
          const isMap = typeof q === 'object' && q !== null && !Array.isArray(q) && 'query' in q && spec.inputs.length === 0;
          const args = isMap ? (q as { args?: unknown }).args : undefined;
          lq =
            isMap && Array.isArray(args)
              ? engine.liveQuery(live.conn, { ...(q as object), args: own(args) } as Parameters<EngineApi['q']>[0])
              : engine.liveQuery(live.conn, q as Parameters<EngineApi['q']>[0], ...own(spec.inputs));
          break;
        }
        case 'pull':
          lq = engine.livePull(live.conn, spec.pattern as Parameters<EngineApi['pull']>[1], spec.eid);
          break;
        default: {
          const never: never = spec;
          throw new CairnError('worker/protocol', `unknown live query ${JSON.stringify(never)}`);
        }
      }
      const id = nextId++;
      const unsubscribe = lq.subscribe(
        (value) => notify(() => onUpdate({ kind: 'value', value })),
        (e) => notify(() => onUpdate({ kind: 'error', error: toWireError(e) })),
      );
      lives.set(id, { connId: live.handle.id, live: lq, unsubscribe, onUpdate });
      live.liveIds.add(id);
      return id;
    },
    liveStop: dropLive,
    async liveRuns(liveId) {
      const l = lives.get(liveId);
      return l ? (await l.live.stats()).runs : 0;
    },
    async counts() {
      return { connections: conns.size, listeners: listeners.size, liveQueries: lives.size };
    },
    async resync() {
      opts.onResync?.();
    },
    async storage() {
      return (await storage()).choice;
    },
    async storeSize(conn) {
      return storeSize(liveConn(conn).conn);
    },
    async syncStatus(conn) {
      if (!opts.sync) throw new CairnError('config/invalid', 'this worker has no sync support');
      return opts.sync.status(liveConn(conn).conn);
    },
    async onSync(conn, callback) {
      if (!opts.sync) throw new CairnError('config/invalid', 'this worker has no sync support');
      const id = nextId++;
      const off = opts.sync.on(liveConn(conn).conn, (e) => {
        const wire: RemoteSyncEvent =
          e.type === 'rejected' ? { ...e, error: { cairn: true, code: e.error.code, message: e.error.message, data: e.error.data } } : e;
        notify(() => callback(wire));
      });
      syncListeners.set(id, { connId: liveConn(conn).handle.id, off, callback });
      return id;
    },
    async offSync(id) {
      const l = syncListeners.get(id);
      if (!l) return;
      syncListeners.delete(id);
      l.off();
      releaseRemote(l.callback);
    },
    async shutdown() {
      shuttingDown = true;
      const all = [...conns.values()];
      const results = await Promise.allSettled(all.map((l) => release(l.handle)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
