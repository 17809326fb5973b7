// `cairndb/server`: serve databases to syncing devices over HTTP + WebSocket (docs/sync.md).
//
// The server is the transactor: every pushed transaction goes through the normal connection
// pipeline (src/conn) of the database it names, with `authorize` run inside that pipeline on the
// report it is about to commit. Heads are announced to every socket of a database from the
// connection's own listeners, so commits by this process and those another process made (seen
// through the coordinator, polling by default) reach devices the same way.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { connect, datoms, db as dbOf, listen, release, schema as schemaOf, transact, type ConnectionHandle } from '../api.js';
import type { Config, TxReport } from '../engine.js';
import { pollingCoordinator, type Coordinator } from '../conn/coordinator.js';
import { createCodec } from '../store/codec.js';
import { CairnError, fail, isCairnError, show } from '../util/errors.js';
import {
  checkClientMessage,
  decodeFrame,
  DEFAULT_LIMITS,
  MAX_COMMITS_PER_ANSWER,
  MAX_HEAD_RECORD_BYTES,
  encodeMessage,
  SYNC_PROTOCOL,
  toWireError,
  type ClientMessage,
  type HeadInfo,
  type Limits,
  type PushResult,
  type PushTx,
  type ServerMessage,
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
  readonly txData?: PushTx['txData'];
  readonly report?: TxReport;
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
  /** How a served connection hears of commits by other processes (default: poll the head). */
  readonly coordinatorFor?: (name: string, config: Config) => Coordinator;
  /** Poll interval of the default coordinator (default 250 ms). */
  readonly pollMs?: number;
}

export interface SyncServer {
  readonly url: string; // ws://host:port/
  readonly port: number;
  close(): Promise<void>;
}

/** Tx metadata attribute holding the client transaction id (docs/sync.md "Idempotency"). */
export const SYNC_TX_ATTR = 'sync/tx';
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

interface Served {
  readonly name: string;
  readonly conn: ConnectionHandle;
  readonly sessions: Set<Session>;
  head: HeadInfo;
  unlisten: () => void;
}

interface Session {
  readonly socket: WebSocket;
  principal: unknown;
  served: Served | null;
}

const plain = /* @__PURE__ */ createCodec();

export async function serve(options: ServeOptions): Promise<SyncServer> {
  const databases = options.databases ?? (options.config ? { [options.config.store?.id ?? '']: options.config } : undefined);
  if (databases === undefined || Object.keys(databases).length === 0) fail('config/invalid', 'serve needs `databases` (name -> config) or `config`');
  if (options.authenticate === undefined && options.tokens === undefined)
    fail('config/invalid', 'serve needs `tokens` or an `authenticate` function: a sync server never serves anonymously by default');
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function')
    fail('config/invalid', `authenticate must be a function, got ${show(options.authenticate)}`);
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    fail('config/invalid', `authorize must be a function, got ${show(options.authorize)}`);
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const tokens = new Map(Object.entries(options.tokens ?? {}));
  const authenticate = options.authenticate ?? ((r: SyncRequest) => (r.token === null ? undefined : tokens.get(r.token)));
  const authorize = options.authorize ?? (() => true);
  const allowed = (origin: string | null): boolean => origin === null || options.cors === '*' || (options.cors ?? []).includes(origin);

  const served = new Map<string, Served>();
  try {
    for (const [name, config] of Object.entries(databases)) {
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) fail('config/invalid', `served database name ${show(name)} must be 1-128 characters [A-Za-z0-9._-]`);
      served.set(name, await openServed(name, config, options));
    }
  } catch (e) {
    for (const s of served.values()) await closeServed(s);
    throw e;
  }

  const send = (s: Session, m: ServerMessage): void => {
    if (s.socket.readyState === s.socket.OPEN) s.socket.send(encodeMessage(m));
  };
  const sendError = (s: Session, id: number, e: unknown): void => send(s, { type: 'error', id, error: toWireError(e) });

  for (const s of served.values()) {
    s.unlisten = listen(s.conn, () => {
      const head = headOf(s.conn);
      if (head.commit === s.head.commit) return;
      s.head = head;
      const record = plain.encode(s.conn.conn.persisted.commit, 'commit');
      const message: ServerMessage = { type: 'head', ...head, ...(record.length <= MAX_HEAD_RECORD_BYTES ? { record } : {}) };
      for (const session of s.sessions) send(session, message);
    });
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
    res.end(JSON.stringify({ cairndb: 'sync', protocol: SYNC_PROTOCOL }));
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
    const session: Session = { socket: ws, principal: undefined, served: null };
    const helloTimer = setTimeout(() => ws.close(1008, 'no hello'), HELLO_TIMEOUT_MS);
    let greeting: Promise<void> | null = null;
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(helloTimer);
      session.served?.sessions.delete(session);
    });
    ws.on('message', (data, isBinary) => {
      let m: ClientMessage;
      let raw: Record<string, unknown> | null = null;
      try {
        if (!isBinary) fail('sync/protocol', 'sync messages are binary frames');
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
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
        if (greeting !== null) return sendError(session, 0, new CairnError('sync/protocol', 'hello was already received on this socket'));
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
      void handle(session, session.served, m).catch((e: unknown) => sendError(session, m.id, e));
    });
  }

  async function hello(session: Session, m: Extract<ClientMessage, { type: 'hello' }>, req: IncomingMessage): Promise<void> {
    if (m.protocol !== SYNC_PROTOCOL)
      fail('sync/protocol', `this server speaks sync protocol ${SYNC_PROTOCOL}, the client ${m.protocol}`, { server: [SYNC_PROTOCOL], client: m.protocol });
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
    session.served = s;
    s.sessions.add(session);
    send(session, { type: 'welcome', protocol: SYNC_PROTOCOL, db: m.db, head: s.head, limits });
  }

  async function handle(session: Session, s: Served, m: Exclude<ClientMessage, { type: 'hello' }>): Promise<void> {
    switch (m.type) {
      case 'ping':
        return send(session, { type: 'pong', id: m.id });
      case 'get': {
        const { store, codec } = s.conn.conn.opened;
        const values = await store.getMany(m.keys);
        const out = values.map((b, i) => (b === undefined ? null : transcode(codec, b, m.keys[i]!)));
        return send(session, { type: 'records', id: m.id, values: out });
      }
      case 'commits': {
        // The commit records from `from` back along parents, stopping before `to` (catch-up).
        const { store, codec } = s.conn.conn.opened;
        const values: Uint8Array[] = [];
        for (let id: string | null = m.from; id !== null && id !== m.to && values.length < MAX_COMMITS_PER_ANSWER; ) {
          const bytes = await store.get(`c:${id}`);
          if (bytes === undefined) break;
          values.push(transcode(codec, bytes, `c:${id}`));
          id = (codec.decode(bytes, { key: `c:${id}`, kind: 'commit' }) as { parent: string | null }).parent;
        }
        return send(session, { type: 'records', id: m.id, values });
      }
      case 'push': {
        const results = await Promise.all(m.txs.map((tx) => push(session, s, tx)));
        return send(session, { type: 'pushed', id: m.id, results });
      }
      default: {
        const never: never = m;
        fail('sync/invalid', `unknown message ${show(never)}`);
      }
    }
  }

  /** Submit one transaction; all of a push are submitted in the same tick, so they group-commit in order. */
  function push(session: Session, s: Served, tx: PushTx): Promise<PushResult> {
    const size = encodeMessage({ type: 'push', id: 1, txs: [tx] }).length;
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
      if (!(await authorize(session.principal, 'transact', { db: s.name, txData: tx.txData, report }))) {
        fail('sync/forbidden', `transaction ${tx.id} is not allowed on database ${show(s.name)}`, { tx: tx.id, db: s.name });
      }
    };
    const input = { txData: tx.txData, txMeta: { ...tx.txMeta, [SYNC_TX_ATTR]: tx.id } };
    const conn = s.conn.conn;
    const attempt = (retried: boolean): Promise<PushResult> =>
      conn.transact(input, check).then(
        (r): PushResult => ({ id: tx.id, t: r.dbAfter.basisT }),
        async (e: unknown): Promise<PushResult> => {
          // Already committed (a retry after a lost answer): the unique sync/tx says so.
          const t = await committedIn(s, tx.id);
          if (t !== null) return { id: tx.id, duplicate: true, t };
          // Another server process may have committed what this one has not seen yet (the schema,
          // an entity a lookup ref names): judge the transaction again on the latest head.
          if (!retried && !isCairnError(e, 'sync/forbidden')) {
            const seen = conn.persisted.commit.id;
            await conn.refresh();
            if (conn.persisted.commit.id !== seen) return attempt(true);
          }
          return { id: tx.id, error: toWireError(e) };
        },
      );
    return attempt(false);
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
  const coordinator = options.coordinatorFor?.(name, config) ?? pollingCoordinator(options.pollMs ?? 250);
  const conn = (await connect(config, { coordinator, shared: false })) as ConnectionHandle;
  try {
    if (!conn.conn.db.config.keepHistory) fail('config/invalid', `database ${show(name)} does not keep history; synced databases must`);
    if ((await schemaOf(dbOf(conn)))[SYNC_TX_ATTR] === undefined) await transact(conn, SYNC_SCHEMA);
  } catch (e) {
    await release(conn);
    throw e;
  }
  return { name, conn, sessions: new Set(), head: headOf(conn), unlisten: () => {} };
}

async function closeServed(s: Served): Promise<void> {
  s.unlisten();
  for (const session of s.sessions) session.socket.terminate();
  await release(s.conn);
}

function headOf(conn: ConnectionHandle): HeadInfo {
  return { commit: conn.conn.persisted.commit.id, t: conn.conn.db.basisT };
}

/** The tx a client transaction id was committed in, or null. */
async function committedIn(s: Served, id: string): Promise<number | null> {
  const found = await datoms(dbOf(s.conn), 'avet', SYNC_TX_ATTR, id);
  return found.length > 0 ? found[0]!.e : null;
}

/** Records leave in the plain codec, whatever serialization handlers the server's backend uses. */
function transcode(codec: ReturnType<typeof createCodec>, bytes: Uint8Array, key: string): Uint8Array {
  const { kind, tagged } = codec.header(bytes, key);
  if (!tagged) return bytes; // no tag markers: plain msgpack, the same bytes in any codec
  return plain.encode(codec.decode(bytes, { key, kind }), kind);
}
