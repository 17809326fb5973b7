// Change notifications for the `postgresql` backend over LISTEN/NOTIFY. A commit that moves a
// ref sends `pg_notify(CHANNEL, '<topic>.<sender>')` inside its own statement, so PostgreSQL
// delivers it exactly when (and only if) the commit is durable. One hub per pool holds one
// dedicated client LISTENing on the channel and calls the subscribers of each topic (one topic
// per store) — except the sender itself: a handle never needs to hear its own commits (and a
// connection re-reading its head after each of them would hold up its next commit). When that
// client is lost, every subscriber is called once it is back (anything may have been missed
// meanwhile), and it reconnects with backoff while anyone is subscribed.

import type pg from 'pg';

export const CHANNEL = 'cairndb';
const MAX_DELAY_MS = 5_000;

export class NotifyHub {
  readonly #pool: pg.Pool;
  readonly #subs = new Map<string, Map<() => void, string>>();
  #client: pg.PoolClient | undefined;
  #starting = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #delay = 100;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Call `cb` whenever `topic` may have changed, unless `self` sent it; returns unsubscribe. */
  subscribe(topic: string, self: string, cb: () => void): () => void {
    let set = this.#subs.get(topic);
    if (set === undefined) this.#subs.set(topic, (set = new Map()));
    set.set(cb, self);
    this.#ensure();
    return () => {
      set.delete(cb);
      if (set.size === 0) this.#subs.delete(topic);
      if (this.#subs.size === 0) this.#stop();
    };
  }

  #ensure(): void {
    if (this.#client !== undefined || this.#starting || this.#retry !== undefined) return;
    this.#starting = true;
    void this.#start().finally(() => (this.#starting = false));
  }

  async #start(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch {
      this.#scheduleRetry();
      return;
    }
    const lost = (err?: Error) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.release(err ?? new Error('notification connection ended'));
      this.#scheduleRetry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (m) => {
      if (m.channel !== CHANNEL || m.payload === undefined) return;
      const dot = m.payload.lastIndexOf('.');
      this.#fire(this.#subs.get(m.payload.slice(0, dot)), m.payload.slice(dot + 1));
    });
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      client.release(e as Error);
      this.#scheduleRetry();
      return;
    }
    if (this.#subs.size === 0) {
      this.#release(client);
      return;
    }
    this.#client = client;
    this.#delay = 100;
    // An open store must not keep Node alive by itself (like the pool's idle clients).
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    // Commits between subscribing and LISTEN (or while reconnecting) were not heard.
    for (const set of this.#subs.values()) this.#fire(set);
  }

  #fire(set: Map<() => void, string> | undefined, sender?: string): void {
    for (const [cb, self] of [...(set ?? [])]) {
      if (self === sender) continue;
      try {
        cb();
      } catch {
        // a subscriber's failure is its own; the others still hear the change
      }
    }
  }

  #scheduleRetry(): void {
    if (this.#subs.size === 0 || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#ensure();
    }, this.#delay);
    this.#retry.unref?.();
    this.#delay = Math.min(this.#delay * 2, MAX_DELAY_MS);
  }

  #release(client: pg.PoolClient): void {
    // Destroyed, not returned to the pool: it carries our listeners and its LISTEN state.
    client.release(true);
  }

  #stop(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    const c = this.#client;
    this.#client = undefined;
    if (c !== undefined) this.#release(c);
  }
}
