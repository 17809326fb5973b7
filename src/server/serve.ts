// `cairndb/server`: serve databases to syncing devices over HTTP + WebSocket (docs/sync.md).
//
// The server is the transactor: every pushed transaction goes through the normal connection
// pipeline (src/conn) of the database it names, with `authorize` run inside that pipeline on the
// report it is about to commit. Heads are announced to every socket of a database from the
// connection's own listeners, so commits by this process and those another process made (heard
// through the store's LISTEN/NOTIFY on PostgreSQL, by polling the head on other backends) reach
// devices the same way.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { connect, datoms, db as dbOf, gcStorage, listen, release, schema as schemaOf, transact, type ConnectionHandle } from '../api.js';
import type { Config, Datom, TxReport } from '../engine.js';
import { purgedBy } from '../tx/index.js';
import { readCommitBytes, type CommitRecord } from '../conn/commit.js';
import { sharedStoreCoordinator, type Coordinator } from '../conn/coordinator.js';
import { refuseReserved, SYNC_TX_ATTR } from './reserved.js';
import { checkServeOptions } from './serve-options.js';
import { encodePlain, plainCommit, plainRecord } from './transcode.js';
import { CairnError, fail, isCairnError, show } from '../util/errors.js';
import {
  checkClientMessage,
  decodeFrame,
  MAX_COMMITS_PER_ANSWER,
  MAX_HEAD_RECORD_BYTES,
  encodeMessage,
  SYNC_PROTOCOL,
  SYNC_PROTOCOLS,
  toWireError,
  type ClientMessage,
  type HeadInfo,
  type Limits,
  type PushResult,
  type PushTx,
  type ServerMessage,
  type WireError,
} from '../sync/wire.js';

/** What `authenticate` sees of a connecting device. */
export interface SyncRequest {
  readonly token: string | null;
  readonly db: string;
  readonly origin: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | null;
}

export type SyncAction = 'read' | 'transact';
export interface AuthorizeContext {
  readonly db: string;
  /** 'transact': the transaction as the device pushed it. */
  readonly txData?: PushTx['txData'];
  /** 'transact': the transaction applied to the db it is about to commit on. */
  readonly report?: TxReport;
  /** 'transact': the datoms its purge ops remove (not in `report.txData`, which holds what it asserts and retracts). */
  readonly purged?: readonly Datom[];
}

export interface ServeOptions {
  /** Server-side name -> config of each database served (nothing else is reachable). */
  readonly databases?: Readonly<Record<string, Config>>;
  /** One database, served under its store id. */
  readonly config?: Config;
  readonly port?: number; // default 0: any free port
  readonly host?: string; // default 127.0.0.1
  /** token -> principal, for the default bearer-token authentication. */
  readonly tokens?: Readonly<Record<string, unknown>>;
  /** Who is calling: a principal, or null/undefined (or throw) to refuse with sync/unauthorized. */
  readonly authenticate?: (request: SyncRequest) => unknown;
  /** May `principal` do `action`? Default: every authenticated principal may read and write. */
  readonly authorize?: (principal: unknown, action: SyncAction, ctx: AuthorizeContext) => boolean | Promise<boolean>;
  /** Allowed browser origins (HTTP CORS and WebSocket upgrades); '*' for any. Default: none. */
  readonly cors?: readonly string[] | '*';
  readonly limits?: Partial<Limits>;
  /**
   * How a served connection hears of commits by other processes. Default: the store's own
   * notifications when it has them (PostgreSQL LISTEN/NOTIFY), else a poll of the head.
   */
  readonly coordinatorFor?: (name: string, config: Config) => Coordinator;
  /** Poll interval of the default coordinator for stores without notifications (default 250 ms). */
  readonly pollMs?: number;
  /**
   * Told of every failure that is not a `CairnError` (a bug, an `authorize` that threw): the
   * device gets `sync/server-error` without its text, and pushes again later. Default:
   * `console.error`.
   */
  readonly onError?: (error: unknown) => void;
  /**
   * After each commit that purges, delete the records only older commits reach (`gcStorage`),
   * so the purged values leave the server's store, not only its indexes. A device catching up
   * across such a sweep follows the new head whole (docs/sync.md). Default false: the operator
   * runs `gcStorage` when it suits.
   */
  readonly sweepAfterPurge?: boolean;
}

export interface SyncServer {
  readonly url: string; // ws://host:port/
  readonly port: number;
  close(): Promise<void>;
}

export { SYNC_TX_ATTR } from './reserved.js';
const SYNC_SCHEMA = [
  {
    'db/ident': SYNC_TX_ATTR,
    'db/valueType': 'db.type/string',
    'db/cardinality': 'db.cardinality/one',
    'db/unique': 'db.unique/value',
    'db/doc': 'client transaction id of a synced transaction',
  },
];
const HELLO_TIMEOUT_MS = 10_000;
/** Frames of one socket being answered at once; past it the server stops reading that socket. */
const MAX_PENDING = 16;
/** Unsent bytes to one socket (a multiple of the message limit) past which its reader is cut off. */
const MAX_BEHIND_MESSAGES = 8;

interface Served {
  readonly name: string;
  readonly conn: ConnectionHandle;
  readonly sessions: Set<Session>;
  head: HeadInfo;
  commit: CommitRecord; // the head's, as last announced
  announcing: Promise<void>;
  unlisten: () => void;
  /** Pushed transactions being committed, by client tx id: a second push of one shares its outcome. */
  readonly pushing: Map<string, Promise<PushResult>>;
  /** The sweeps after purges (sweepAfterPurge), one at a time; `sweepQueued`: one waits to start. */
  sweeping: Promise<void>;
  sweepQueued: boolean;
}

interface Session {
  readonly socket: WebSocket;
  principal: unknown;
  served: Served | null;
  protocol: number; // the client's, from its hello
  pending: number; // frames taken up whose answer is not yet written to the socket
  paused: boolean; // reading stopped until some of them are
  /** Frames that arrived once MAX_PENDING were pending (the rest of a read: pausing stops the next). */
  readonly waiting: (readonly [RawData, boolean])[];
  /** Take up a frame: check it, act on it, answer it. */
  readonly take: (data: RawData, isBinary: boolean) => void;
}

export async function serve(options: ServeOptions): Promise<SyncServer> {
  const { databases, limits } = checkServeOptions(options);
  const onError = options.onError ?? ((e: unknown) => console.error('cairndb sync server:', e));
  /** What a device is told of `e`: a CairnError as it is; anything else only that the server failed. */
  const wireError = (e: unknown): WireError => {
    if (isCairnError(e)) return toWireError(e);
    try {
      onError(e);
    } catch {
      // the operator's hook failing must not take the answer down with it
    }
    return { code: 'sync/server-error', message: 'the sync server failed on its side; its log has the details', data: {} };
  };
  const tokens = new Map(Object.entries(options.tokens ?? {}));
  const authenticate = options.authenticate ?? ((r: SyncRequest) => (r.token === null ? undefined : tokens.get(r.token)));
  const authorize = options.authorize ?? (() => true);
  const allowed = (origin: string | null): boolean => origin === null || options.cors === '*' || (options.cors ?? []).includes(origin);

  const served = new Map<string, Served>();
  try {
    for (const [name, config] of Object.entries(databases)) served.set(name, await openServed(name, config, options));
  } catch (e) {
    for (const s of served.values()) await closeServed(s);
    throw e;
  }

  // Every frame a socket sends is answered once, by `reply`. A client that does not read its
  // answers cannot make the server hold more of them: past MAX_PENDING unanswered frames the
  // server stops reading its socket, and a socket that falls further behind than
  // MAX_BEHIND_MESSAGES messages' worth of unsent bytes (heads pile up too) is cut off; the
  // device reconnects and catches up from its head, as after any drop.
  const maxBehind = MAX_BEHIND_MESSAGES * limits.maxMessageBytes;
  const send = (s: Session, m: ServerMessage, answered?: () => void): void => {
    const socket = s.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBehind) socket.terminate();
    else socket.send(encodeMessage(m), answered);
  };
  const reply = (s: Session, m: ServerMessage): void =>
    send(s, m, () => {
      s.pending--;
      while (s.pending < MAX_PENDING && s.waiting.length > 0) s.take(...s.waiting.shift()!);
      if (s.pending < MAX_PENDING && s.paused) {
        s.paused = false;
        s.socket.resume();
      }
    });
  const sendError = (s: Session, id: number, e: unknown): void => reply(s, { type: 'error', id, error: wireError(e) });

  /** Sweep `s`'s store once the sweeps before have finished; several asked for meanwhile are one. */
  const sweepSoon = (s: Served): void => {
    if (s.sweepQueued) return;
    s.sweepQueued = true;
    s.sweeping = s.sweeping
      .then(async () => {
        s.sweepQueued = false;
        await gcStorage(s.conn);
      })
      .catch((e: unknown) => {
        try {
          onError(e);
        } catch {
          // the operator's hook failing must not stop later sweeps
        }
      });
  };

  for (const s of served.values()) {
    s.unlisten = listen(s.conn, (report) => {
      const commit = s.conn.conn.persisted.commit;
      if (commit.id === s.head.commit) return; // one head per commit, however many transactions it holds
      if (options.sweepAfterPurge === true && (commit.purged === true || purgedBy(report).length > 0)) sweepSoon(s);
      const previous = s.commit;
      s.commit = commit;
      s.head = headOf(s.conn);
      const head = s.head;
      // In commit order, each head once its new records are read.
      s.announcing = s.announcing.then(() => announce(s, head, commit, previous)).catch(() => {});
    });
  }

  /** Send `head` to every socket of the db, with the commit record and (protocol 2) the records it added. */
  async function announce(s: Served, head: HeadInfo, commit: CommitRecord, previous: CommitRecord): Promise<void> {
    const { store, codec } = s.conn.conn.opened;
    const record = encodePlain(plainCommit(codec, commit), 'commit');
    const v1: ServerMessage = { type: 'head', ...head, ...(record.length <= MAX_HEAD_RECORD_BYTES ? { record } : {}) };
    let v2 = v1;
    const fresh = record.length <= MAX_HEAD_RECORD_BYTES ? addedRecordKeys(commit, previous) : [];
    if (fresh.length > 0 && [...s.sessions].some((session) => session.protocol >= 2)) {
      const values = await store.getMany(fresh);
      const records: [string, Uint8Array][] = [];
      values.forEach((v, i) => v !== undefined && records.push([fresh[i]!, plainRecord(codec, v, fresh[i]!)]));
      if (records.reduce((n, [, v]) => n + v.length, record.length) <= MAX_HEAD_RECORD_BYTES) v2 = { ...v1, records };
    }
    for (const session of s.sessions) send(session, session.protocol >= 2 ? v2 : v1);
  }

  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : null;
    if (origin !== null && allowed(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-allow-methods', 'GET, OPTIONS');
      res.setHeader('access-control-allow-headers', 'authorization, content-type');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ cairndb: 'sync', protocol: SYNC_PROTOCOL, protocols: SYNC_PROTOCOLS }));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : null;
    if (!allowed(origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req));
  });

  function accept(ws: WebSocket, req: IncomingMessage): void {
    const session: Session = {
      socket: ws,
      principal: undefined,
      served: null,
      protocol: SYNC_PROTOCOL,
      pending: 0,
      paused: false,
      waiting: [],
      take,
    };
    const helloTimer = setTimeout(() => ws.close(1008, 'no hello'), HELLO_TIMEOUT_MS);
    let greeting: Promise<void> | null = null;
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(helloTimer);
      session.served?.sessions.delete(session);
    });
    ws.on('message', (data, isBinary) => {
      if (session.pending < MAX_PENDING && session.waiting.length === 0) return take(data, isBinary);
      session.waiting.push([data, isBinary]);
      if (!session.paused) {
        session.paused = true;
        ws.pause();
      }
    });
    function take(data: RawData, isBinary: boolean): void {
      session.pending++;
      let m: ClientMessage;
      let raw: Record<string, unknown> | null = null;
      let frameBytes = 0;
      try {
        if (!isBinary) fail('sync/protocol', 'sync messages are binary frames');
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        frameBytes = bytes.byteLength;
        raw = decodeFrame(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        m = checkClientMessage(raw as Record<string, unknown> & { type: string }, limits);
      } catch (e) {
        // An invalid request fails itself (answered under its id when it has one); before the
        // hello, anything invalid ends the session.
        const id = raw !== null && typeof raw.id === 'number' && Number.isSafeInteger(raw.id) ? raw.id : 0;
        sendError(session, id, e);
        if (session.served === null) ws.close(1008, 'invalid');
        return;
      }
      if (m.type === 'hello') {
        if (greeting !== null) {
          sendError(session, 0, new CairnError('sync/protocol', 'hello was already received on this socket'));
          return;
        }
        greeting = hello(session, m, req).then(
          () => clearTimeout(helloTimer),
          (e: unknown) => {
            sendError(session, 0, e);
            ws.close(1008, 'refused');
          },
        );
        return;
      }
      if (session.served === null) {
        sendError(session, 0, new CairnError('sync/protocol', `the first message must be hello, got ${m.type}`));
        ws.close(1008, 'no hello');
        return;
      }
      void handle(session, session.served, m, frameBytes).catch((e: unknown) => sendError(session, m.id, e));
    }
  }

  async function hello(session: Session, m: Extract<ClientMessage, { type: 'hello' }>, req: IncomingMessage): Promise<void> {
    if (!SYNC_PROTOCOLS.includes(m.protocol))
      fail('sync/protocol', `this server speaks sync protocols ${SYNC_PROTOCOLS.join(', ')}, the client ${m.protocol}`, {
        server: [...SYNC_PROTOCOLS],
        client: m.protocol,
      });
    const request: SyncRequest = {
      token: m.token,
      db: m.db,
      headers: req.headers,
      origin: typeof req.headers.origin === 'string' ? req.headers.origin : null,
      remoteAddress: req.socket.remoteAddress ?? null,
    };
    let principal: unknown;
    try {
      principal = await authenticate(request);
    } catch {
      principal = undefined;
    }
    if (principal === undefined || principal === null || principal === false)
      fail('sync/unauthorized', `not authenticated for database ${show(m.db)}: missing or wrong token`, { db: m.db });
    const s = served.get(m.db);
    if (s === undefined) fail('sync/unknown-db', `this server does not serve a database named ${show(m.db)}`, { db: m.db });
    if (!(await authorize(principal, 'read', { db: m.db }))) fail('sync/forbidden', `not allowed to read database ${show(m.db)}`, { db: m.db });
    session.principal = principal;
    session.protocol = m.protocol;
    session.served = s;
    s.sessions.add(session);
    reply(session, { type: 'welcome', protocol: m.protocol, db: m.db, head: s.head, limits });
  }

  async function handle(session: Session, s: Served, m: Exclude<ClientMessage, { type: 'hello' }>, frameBytes: number): Promise<void> {
    switch (m.type) {
      case 'ping':
        return reply(session, { type: 'pong', id: m.id });
      case 'get': {
        const { store, codec } = s.conn.conn.opened;
        const values = await store.getMany(m.keys);
        // A small commit's record lives in the head until a later commit writes it out.
        for (let i = 0; i < values.length; i++)
          if (values[i] === undefined && m.keys[i]!.startsWith('c:')) values[i] = await readCommitBytes(store, codec, m.keys[i]!.slice(2));
        const out = values.map((b, i) => (b === undefined ? null : plainRecord(codec, b, m.keys[i]!)));
        return reply(session, { type: 'records', id: m.id, values: out });
      }
      case 'commits': {
        // The commit records from `from` back along parents, stopping before `to` (catch-up).
        const { store, codec } = s.conn.conn.opened;
        const values: Uint8Array[] = [];
        for (let id: string | null = m.from; id !== null && id !== m.to && values.length < MAX_COMMITS_PER_ANSWER; ) {
          const bytes = await readCommitBytes(store, codec, id);
          if (bytes === undefined) break;
          values.push(plainRecord(codec, bytes, `c:${id}`));
          id = (codec.decode(bytes, { key: `c:${id}`, kind: 'commit' }) as { parent: string | null }).parent;
        }
        return reply(session, { type: 'records', id: m.id, values });
      }
      case 'push': {
        // A frame within the per-transaction limit holds no transaction over it: no need to measure each.
        const measure = frameBytes > limits.maxTxBytes;
        const results = await Promise.all(m.txs.map((tx) => push(session, s, tx, measure)));
        return reply(session, { type: 'pushed', id: m.id, results });
      }
      default: {
        const never: never = m;
        fail('sync/invalid', `unknown message ${show(never)}`);
      }
    }
  }

  /** Submit one transaction; all of a push are submitted in the same tick, so they group-commit in order. */
  function push(session: Session, s: Served, tx: PushTx, measure: boolean): Promise<PushResult> {
    const size = measure ? encodeMessage({ type: 'push', id: 1, txs: [tx] }).length : 0;
    if (size > limits.maxTxBytes) {
      return Promise.resolve({
        id: tx.id,
        error: toWireError(
          new CairnError('sync/too-large', `transaction ${tx.id} is ${size} bytes; the limit is ${limits.maxTxBytes}`, {
            tx: tx.id,
            bytes: size,
            limit: limits.maxTxBytes,
          }),
        ),
      });
    }
    const check = async (report: TxReport): Promise<void> => {
      refuseReserved(report, tx.id);
      if (!(await authorize(session.principal, 'transact', { db: s.name, txData: tx.txData, report, purged: purgedBy(report) }))) {
        fail('sync/forbidden', `transaction ${tx.id} is not allowed on database ${show(s.name)}`, { tx: tx.id, db: s.name });
      }
    };
    // Pushed again while the first push of it is still being committed (the device lost that
    // socket and reconnected): the two would meet in one commit, the second refused by the
    // unique sync/tx before the first is in the database. It gets the first one's outcome.
    const first = s.pushing.get(tx.id);
    if (first !== undefined) return first.then((r): PushResult => ('t' in r ? { id: tx.id, duplicate: true, t: r.t } : r));
    const input = { txData: tx.txData, txMeta: { ...tx.txMeta, [SYNC_TX_ATTR]: tx.id } };
    // A transaction that fails on a Db behind the head (another server process committed the
    // schema, or an entity a lookup ref names) is judged again on the head by the connection.
    const outcome = s.conn.conn.transact(input, check).then(
      (r): PushResult => ({ id: tx.id, t: r.dbAfter.basisT }),
      async (e: unknown): Promise<PushResult> => {
        // Already committed (a retry after a lost answer): the unique sync/tx says so.
        const t = await committedIn(s, tx.id);
        if (t !== null) return { id: tx.id, duplicate: true, t };
        return { id: tx.id, error: wireError(e) };
      },
    );
    s.pushing.set(tx.id, outcome);
    const done = (): void => void s.pushing.delete(tx.id);
    outcome.then(done, done);
    return outcome;
  }

  const port = await new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const a = http.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
  const host = options.host ?? '127.0.0.1';
  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      for (const s of served.values()) await closeServed(s);
    },
  };
}

async function openServed(name: string, config: Config, options: ServeOptions): Promise<Served> {
  if (config.keepHistory === false)
    fail('config/invalid', `database ${show(name)} has keepHistory: false; synced databases keep history (client transaction ids are tx metadata)`);
  const coordinator = options.coordinatorFor?.(name, config) ?? sharedStoreCoordinator(options.pollMs ?? 250);
  const conn = (await connect(config, { coordinator, shared: false })) as ConnectionHandle;
  try {
    if (!conn.conn.db.config.keepHistory) fail('config/invalid', `database ${show(name)} does not keep history; synced databases must`);
    if ((await schemaOf(dbOf(conn)))[SYNC_TX_ATTR] === undefined) await transact(conn, SYNC_SCHEMA);
  } catch (e) {
    await release(conn);
    throw e;
  }
  return {
    name,
    conn,
    sessions: new Set(),
    head: headOf(conn),
    commit: conn.conn.persisted.commit,
    announcing: Promise.resolve(),
    unlisten: () => {},
    pushing: new Map(),
    sweeping: Promise.resolve(),
    sweepQueued: false,
  };
}

async function closeServed(s: Served): Promise<void> {
  s.unlisten();
  await s.sweeping;
  for (const session of s.sessions) session.socket.terminate();
  await release(s.conn);
}

/** Records `commit` names for a restore (schema, sealed tail chunks) that `previous` did not. */
function addedRecordKeys(commit: CommitRecord, previous: CommitRecord): string[] {
  const known = new Set([previous.schema, ...previous.tail.sealed]);
  return [commit.schema, ...commit.tail.sealed].filter((k) => !known.has(k));
}

function headOf(conn: ConnectionHandle): HeadInfo {
  return { commit: conn.conn.persisted.commit.id, t: conn.conn.db.basisT };
}

/** The tx a client transaction id was committed in, or null. */
async function committedIn(s: Served, id: string): Promise<number | null> {
  const found = await datoms(dbOf(s.conn), 'avet', SYNC_TX_ATTR, id);
  return found.length > 0 ? found[0]!.e : null;
}
