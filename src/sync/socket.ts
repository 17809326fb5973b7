// The device's link to a sync server (docs/sync.md): one WebSocket at a time, the versioned
// hello, requests matched to answers by id, heads passed on, and reconnection with backoff and a
// heartbeat — no reliance on `online` events (a worker has none, and a held socket survives a
// network change without noticing).
//
// State: `#ws` is the current socket (null between attempts); `#welcome` is set once its hello was
// answered; `#waiting` holds the answer callbacks of requests in flight on it. A dropped socket
// rejects every request in flight with sync/offline: callers retry at the level that knows what
// is safe to retry (pushes are idempotent by client transaction id).

import { CairnError, isCairnError } from '../util/errors.js';
import {
  checkServerMessage,
  decodeFrame,
  encodeMessage,
  fromWireError,
  isRecordKey,
  SYNC_PROTOCOL,
  type ClientMessage,
  type HeadInfo,
  type Limits,
  type ServerMessage,
} from './wire.js';

type WelcomeMessage = Extract<ServerMessage, { type: 'welcome' }>;
type Request = ClientMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export interface SocketOptions {
  readonly url: string;
  readonly db: string;
  readonly getToken: () => string | null | Promise<string | null>;
  readonly WebSocket?: WebSocketClass;
  readonly heartbeatMs?: number; // ping when idle this long (default 5 s)
  readonly deadAfterMs?: number; // no answer this long: the socket is dead (default 10 s)
  readonly minBackoffMs?: number; // default 250
  readonly maxBackoffMs?: number; // default 10 s
}

export interface SocketEvents {
  /** A hello was answered (first connect or reconnect). */
  welcome(w: WelcomeMessage): void;
  head(h: HeadInfo): void;
  /** Connectivity changed; `error` is why it is down (null when up or closed on purpose). */
  state(online: boolean, error: CairnError | null): void;
}

type WebSocketClass = new (url: string) => WebSocket;

/** Refusals a reconnect does not cure by itself (still retried, slowly: a token may be renewed). */
const FATAL = new Set(['sync/unauthorized', 'sync/forbidden', 'sync/unknown-db', 'sync/protocol']);

export class SyncSocket {
  readonly #o: SocketOptions;
  readonly #events: SocketEvents;
  #ws: WebSocket | null = null;
  #welcome: WelcomeMessage | null = null;
  #waiting = new Map<number, { resolve(m: ServerMessage): void; reject(e: unknown): void }>();
  #nextId = 1;
  #attempt = 0;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #lastHeard = 0;
  #handshakeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: SocketOptions, events: SocketEvents) {
    this.#o = options;
    this.#events = events;
  }

  get online(): boolean {
    return this.#welcome !== null;
  }

  get limits(): Limits | null {
    return this.#welcome?.limits ?? null;
  }

  start(): void {
    if (!this.#closed && this.#ws === null && this.#timer === null) void this.#open();
  }

  /** Send a request and wait for its answer; an `error` answer rejects with its CairnError. */
  request(r: Request): Promise<ServerMessage> {
    const ws = this.#ws;
    if (ws === null || this.#welcome === null) return Promise.reject(offline('not connected to the sync server'));
    const id = this.#nextId++;
    return new Promise<ServerMessage>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      try {
        ws.send(encodeMessage({ ...r, id } as ClientMessage));
      } catch (e) {
        this.#waiting.delete(id);
        reject(isCairnError(e) ? e : offline(`sending to the sync server failed: ${(e as Error).message}`));
      }
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#drop(null);
  }

  async #open(): Promise<void> {
    let token: string | null;
    try {
      token = await this.#o.getToken();
    } catch (e) {
      this.#retry(new CairnError('sync/unauthorized', `getToken failed: ${(e as Error)?.message ?? String(e)}`));
      return;
    }
    if (this.#closed) return;
    const Ctor = this.#o.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
    if (Ctor === undefined) {
      this.#retry(
        new CairnError('sync/unreachable', 'no WebSocket implementation in this context (Node 20: set globalThis.WebSocket, e.g. from the ws package)'),
      );
      return;
    }
    let ws: WebSocket;
    try {
      ws = new Ctor(this.#o.url);
    } catch (e) {
      this.#retry(new CairnError('sync/unreachable', `cannot open ${this.#o.url}: ${(e as Error).message}`));
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.#lastHeard = Date.now();
    // A connect or hello that never completes (a black-holed network, a frozen server) is dead too.
    this.#handshakeTimer = setTimeout(() => {
      if (this.#ws === ws && this.#welcome === null) this.#drop(offline(`no answer to hello within ${this.#o.deadAfterMs ?? 10_000} ms`));
    }, this.#o.deadAfterMs ?? 10_000);
    let refusal: CairnError | null = null;
    ws.onopen = () => {
      ws.send(encodeMessage({ type: 'hello', protocol: SYNC_PROTOCOL, db: this.#o.db, token }));
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.#ws !== ws) return;
      this.#lastHeard = Date.now();
      let m: ServerMessage;
      try {
        if (!(ev.data instanceof ArrayBuffer)) throw new CairnError('sync/protocol', 'the sync server sent a text frame');
        m = checkServerMessage(decodeFrame(new Uint8Array(ev.data)));
      } catch (e) {
        this.#drop(isCairnError(e) ? e : offline(String(e)));
        return;
      }
      this.#dispatch(m, (e) => (refusal = e));
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#drop(refusal ?? offline(`the connection to ${this.#o.url} closed`));
    };
  }

  #dispatch(m: ServerMessage, refused: (e: CairnError) => void): void {
    switch (m.type) {
      case 'welcome':
        if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
        this.#welcome = m;
        this.#attempt = 0;
        this.#startHeartbeat();
        this.#events.state(true, null);
        this.#events.welcome(m);
        return;
      case 'head':
        if (this.#welcome !== null)
          this.#events.head({
            commit: m.commit,
            t: m.t,
            ...(m.record instanceof Uint8Array ? { record: m.record } : {}),
            ...(Array.isArray(m.records) ? { records: m.records.filter((r) => Array.isArray(r) && isRecordKey(r[0]) && r[1] instanceof Uint8Array) } : {}),
          });
        return;
      case 'error':
        if (m.id === 0) {
          refused(fromWireError(m.error)); // the server closes the socket next
          return;
        }
        this.#answer(m.id, m, fromWireError(m.error));
        return;
      case 'records':
      case 'pushed':
      case 'pong':
        this.#answer(m.id, m, null);
        return;
      default: {
        const never: never = m;
        this.#drop(new CairnError('sync/protocol', `unexpected message ${JSON.stringify(never)}`));
      }
    }
  }

  #answer(id: number, m: ServerMessage, error: CairnError | null): void {
    const w = this.#waiting.get(id);
    if (w === undefined) return;
    this.#waiting.delete(id);
    if (error !== null) w.reject(error);
    else w.resolve(m);
  }

  #startHeartbeat(): void {
    const every = this.#o.heartbeatMs ?? 5_000;
    const dead = this.#o.deadAfterMs ?? 10_000;
    this.#heartbeat = setInterval(
      () => {
        const quiet = Date.now() - this.#lastHeard;
        if (quiet >= dead) this.#drop(offline(`no answer from the sync server for ${quiet} ms`));
        else if (quiet >= every) this.request({ type: 'ping' }).catch(() => {});
      },
      Math.max(50, Math.min(every, dead) / 2),
    );
  }

  /** Forget the current socket, fail its requests, and (unless closed) try again later. */
  #drop(error: CairnError | null): void {
    const ws = this.#ws;
    this.#ws = null;
    const wasOnline = this.#welcome !== null;
    this.#welcome = null;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = null;
    if (ws !== null) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      // Not null: closing a socket still connecting makes Node's `ws` emit an error next tick,
      // and an error event nobody listens to is an uncaught exception there.
      ws.onerror = () => {};
      try {
        ws.close();
      } catch {
        // Already closing.
      }
    }
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(error ?? offline('the sync connection was closed'));
    if (this.#closed) {
      if (wasOnline) this.#events.state(false, null);
      return;
    }
    this.#retry(error ?? offline('the sync connection was closed'));
  }

  #retry(error: CairnError): void {
    this.#ws = null;
    this.#events.state(false, error);
    if (this.#closed) return;
    const delay = this.backoffMs(FATAL.has(error.code) ? Infinity : this.#attempt);
    this.#attempt++;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#open();
    }, delay);
  }

  /** The wait before retry number `attempt` (from 0): minBackoffMs doubling to maxBackoffMs, with jitter. */
  backoffMs(attempt: number): number {
    const min = this.#o.minBackoffMs ?? 250;
    const max = this.#o.maxBackoffMs ?? 10_000;
    const base = Math.min(max, min * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }
}

export function offline(why: string): CairnError {
  return new CairnError('sync/offline', `the sync server cannot be reached: ${why}`);
}
