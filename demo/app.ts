// The demo's state and the only module that talks to CairnDB (through the worker client).
// The state is one plain object replaced on every change; views render it and call actions.
// Showing the present, every view is a live query: the worker re-runs it when a commit (here
// or in another tab) touches what it reads, and sends the result only when it changed.
// Time travelling, the views are read once from `asOf` the live Db (the past never changes).
import { openWorker, type LiveQuery } from '../worker/client.js';
import {
  DB_CONFIG,
  EXAMPLE_QUERIES,
  Q,
  SCHEMA_TX,
  SYNC,
  TASK_PULL,
  compareTasks,
  parseEid,
  removeTaskTx,
  seed,
  taskRowsQuery,
  toTask,
  type Task,
} from './data.js';

type Client = Awaited<ReturnType<typeof openWorker>>;
type Conn = Awaited<ReturnType<Client['connect']>>;
type DbHandle = Awaited<ReturnType<Client['db']>>;

export type Filter = { readonly kind: 'all' } | { readonly kind: 'project'; readonly id: number } | { readonly kind: 'tag'; readonly tag: string };

export type Panel = 'console' | 'history' | 'schema' | 'storage';

export interface Named {
  readonly id: number;
  readonly name: string;
}
export interface TxPoint {
  readonly tx: number;
  readonly inst: Date;
}
export interface HistoryRow {
  readonly tx: number;
  readonly a: string;
  readonly v: unknown;
  readonly added: boolean;
}
export interface Change {
  readonly e: number;
  readonly a: string;
  readonly v: unknown;
  readonly added: boolean;
}

/** An error as the UI shows it: CairnErrors keep their code and data across the worker. */
export interface ShownError {
  readonly code?: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

export interface Notice {
  readonly kind: 'info' | 'error';
  readonly text: string;
  readonly action?: { readonly label: string; readonly run: () => void };
}

export interface State {
  readonly phase: 'starting' | 'ready' | 'failed';
  readonly notice?: Notice;
  readonly filter: Filter;
  readonly projects: readonly (Named & { readonly open: number })[];
  readonly people: readonly Named[];
  readonly tags: readonly string[];
  readonly tasks: readonly Task[];
  readonly txs: readonly TxPoint[];
  /** What the transaction on the slider (the latest when live) asserted and retracted. */
  readonly txChanges: readonly Change[];
  /** The tx being viewed in the past, or null for the live database. */
  readonly travel: number | null;
  readonly editing: number | null;
  readonly panel: Panel;
  readonly history?: { readonly task: Task; readonly rows: readonly HistoryRow[] };
  readonly schema?: Record<string, Record<string, unknown>>;
  readonly storage?: { readonly datoms: number; readonly info: Record<string, unknown> };
  readonly console: ConsoleState;
}

export interface ConsoleState {
  readonly kind: 'query' | 'pull';
  readonly text: string;
  readonly eid: string;
  readonly running: boolean;
  readonly outcome?:
    | { readonly ok: true; readonly value: unknown; readonly text: string; readonly ms: number }
    | { readonly ok: false; readonly error: ShownError };
}

export function toShownError(e: unknown): ShownError {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; data?: unknown };
    return {
      code: typeof o.code === 'string' ? o.code : undefined,
      message: typeof o.message === 'string' ? o.message : String(e),
      data: o.data && typeof o.data === 'object' ? (o.data as Record<string, unknown>) : undefined,
    };
  }
  return { message: String(e) };
}

export class App {
  state: State = {
    phase: 'starting',
    filter: { kind: 'all' },
    projects: [],
    people: [],
    tags: [],
    tasks: [],
    txs: [],
    txChanges: [],
    travel: null,
    editing: null,
    panel: 'console',
    console: { kind: 'query', text: EXAMPLE_QUERIES[0]!.text, eid: '', running: false },
  };
  private conn: Conn | undefined;
  /** Unsubscribes the live queries of the present (empty while none is subscribed). */
  private unwatch: (() => void)[] = [];
  private projectRows: readonly [number, string][] = [];
  private openRows: readonly [number, number][] = [];
  private generation = 0;
  private readonly subscribers = new Set<() => void>();

  readonly client: Client;

  /** Tells the other tabs of this app that the database was deleted and created again. */
  private readonly channel = new BroadcastChannel(`${DB_CONFIG.name}-app`);
  private reopening: Promise<void> | undefined;

  constructor(client: Client) {
    this.client = client;
    this.channel.onmessage = () => void this.reopen('The database was reset in another tab.');
  }

  subscribe(fn: () => void): void {
    this.subscribers.add(fn);
  }

  private set(patch: Partial<State>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.subscribers) fn();
  }

  /** Open the database, creating and seeding it on first run (only the tab that creates it seeds). */
  async start(): Promise<void> {
    try {
      // Synced: connect creates the local replica; the server already has schema and samples.
      const created = SYNC ? false : await this.ensureDatabase();
      this.conn = await this.client.connect(DB_CONFIG);
      if (created) await seed((tx) => this.client.transact(this.conn!, tx), new Date());
      else await this.addMissingSchema();
      // Synced: a transaction the server refused has left the view; say why.
      if (SYNC)
        this.client.onSync(this.conn, (e) => {
          if (e.type === 'rejected') this.set({ notice: { kind: 'error', text: `Not saved: ${e.error.message}` } });
        });
      this.set({ phase: 'ready' });
      this.watch();
      // Without IndexedDB (private modes, blocked storage) the worker falls back to memory.
      const { warning } = await this.client.storageInfo();
      if (warning) this.set({ notice: { kind: 'error', text: warning } });
    } catch (e) {
      this.set({ phase: 'failed', notice: { kind: 'error', text: toShownError(e).message } });
    }
  }

  /** A database made by an earlier version of the demo lacks attributes added since (task/uuid). */
  private async addMissingSchema(): Promise<void> {
    const live = await this.client.db(this.conn!);
    const idents = new Set((await this.client.q('[:find [?i ...] :where [_ :db/ident ?i]]', live)) as string[]);
    const missing = SCHEMA_TX.filter((a) => !idents.has(a['db/ident']) && !idents.has(`:${a['db/ident']}`));
    if (missing.length > 0) await this.client.transact(this.conn!, missing);
  }

  private async ensureDatabase(): Promise<boolean> {
    if (await this.client.databaseExists(DB_CONFIG)) return false;
    try {
      await this.client.createDatabase({ ...DB_CONFIG, initialTx: SCHEMA_TX });
      return true;
    } catch (e) {
      if (toShownError(e).code === 'db/exists') return false; // another tab won the race
      throw e;
    }
  }

  /** The Db the app shows: live, or as of the tx picked on the time-travel slider. */
  async viewDb(): Promise<DbHandle> {
    const live = await this.client.db(this.conn!);
    return this.state.travel === null ? live : await this.client.asOf(live, this.state.travel);
  }

  /** Read every view once from the Db on screen (time travel). Only the newest read lands. */
  async refresh(): Promise<void> {
    if (!this.conn) return;
    const gen = ++this.generation;
    const c = this.client;
    try {
      const live = await c.db(this.conn);
      const view = this.state.travel === null ? live : await c.asOf(live, this.state.travel);
      const f = this.state.filter;
      const [projects, counts, people, tags, ids, txs] = await Promise.all([
        c.q(Q.projects, view) as Promise<[number, string][]>,
        c.q(Q.openCounts, view) as Promise<[number, number][]>,
        c.q(Q.people, view) as Promise<[number, string][]>,
        c.q(Q.tags, view) as Promise<string[]>,
        (f.kind === 'all' ? c.q(Q.allTasks, view) : f.kind === 'project' ? c.q(Q.projectTasks, view, f.id) : c.q(Q.taggedTasks, view, f.tag)) as Promise<
          number[]
        >,
        c.q(Q.transactions, live) as Promise<[number, Date][]>,
      ]);
      const shownTx = this.state.travel ?? Math.max(0, ...txs.map(([tx]) => tx));
      const [pulled, changes] = await Promise.all([
        c.pullMany(view, TASK_PULL, ids),
        c.q(Q.txChanges, c.history(live), shownTx) as Promise<[number, string, unknown, boolean][]>,
      ]);
      if (gen !== this.generation) return;
      const open = new Map(counts);
      const byName = (a: Named, b: Named) => a.name.localeCompare(b.name);
      this.set({
        projects: projects.map(([id, name]) => ({ id, name, open: open.get(id) ?? 0 })).sort(byName),
        people: people.map(([id, name]) => ({ id, name })).sort(byName),
        tags: [...tags].sort(),
        tasks: pulled
          .filter((p): p is Record<string, unknown> => p !== null)
          .map(toTask)
          .sort(compareTasks),
        txs: txs.map(([tx, inst]) => ({ tx, inst: new Date(inst) })).sort((a, b) => a.tx - b.tx),
        txChanges: toChanges(changes),
      });
      await this.refreshPanel();
    } catch (e) {
      if (gen === this.generation) this.fail(e);
    }
  }

  /**
   * Subscribe every view of the present to its live query. Their results arrive for our own
   * commits and, through the worker, for commits made in other tabs.
   */
  private watch(): void {
    this.stopWatching();
    this.generation++; // a one-off read of the past still in flight must not land now
    if (!this.conn) return;
    const c = this.client;
    const conn = this.conn;
    // While time travelling the views show the past; only the slider follows new commits.
    const on = <T>(live: LiveQuery<T>, apply: (value: T) => void, always = false): void => {
      this.unwatch.push(
        live.subscribe(
          (v) => {
            if (always || this.state.travel === null) apply(v);
          },
          (e) => this.fail(e),
        ),
      );
    };
    const byName = (a: Named, b: Named) => a.name.localeCompare(b.name);
    const projects = () => {
      const open = new Map(this.openRows);
      this.set({ projects: this.projectRows.map(([id, name]) => ({ id, name, open: open.get(id) ?? 0 })).sort(byName) });
    };
    const f = this.state.filter;
    on(c.liveQuery<[number, string][]>(conn, Q.projects), (rows) => {
      this.projectRows = rows;
      projects();
    });
    on(c.liveQuery<[number, number][]>(conn, Q.openCounts), (rows) => {
      this.openRows = rows;
      projects();
    });
    on(c.liveQuery<[number, string][]>(conn, Q.people), (rows) => this.set({ people: rows.map(([id, name]) => ({ id, name })).sort(byName) }));
    on(c.liveQuery<string[]>(conn, Q.tags), (tags) => this.set({ tags: [...tags].sort() }));
    on(c.liveQuery<Record<string, unknown>[]>(conn, taskRowsQuery(f), ...(f.kind === 'project' ? [f.id] : f.kind === 'tag' ? [f.tag] : [])), (rows) =>
      this.set({ tasks: rows.map(toTask).sort(compareTasks) }),
    );
    // Every commit adds a transaction: the slider, the changes it made and the open panel follow.
    on(
      c.liveQuery<[number, Date][]>(conn, Q.transactions),
      (txs) => {
        this.set({ txs: txs.map(([tx, inst]) => ({ tx, inst: new Date(inst) })).sort((a, b) => a.tx - b.tx) });
        if (this.state.travel === null)
          void this.showChanges()
            .then(() => this.refreshPanel())
            .catch((e) => this.fail(e));
      },
      true,
    );
  }

  private stopWatching(): void {
    for (const stop of this.unwatch.splice(0)) stop();
  }

  /** What the latest transaction asserted and retracted (a query on the history view). */
  private async showChanges(): Promise<void> {
    const gen = this.generation;
    const live = this.client.db(this.conn!);
    const shownTx = this.state.txs.at(-1)?.tx ?? 0;
    const changes = await this.client.q<[number, string, unknown, boolean][]>(Q.txChanges, this.client.history(live), shownTx);
    if (gen !== this.generation || this.state.travel !== null) return;
    this.set({ txChanges: toChanges(changes) });
  }

  private async refreshPanel(): Promise<void> {
    const c = this.client;
    switch (this.state.panel) {
      case 'console':
        return;
      case 'history': {
        const h = this.state.history;
        if (h) await this.showHistory(h.task);
        return;
      }
      case 'schema': {
        this.set({ schema: await c.schema(await this.viewDb()) });
        return;
      }
      case 'storage': {
        const [datoms, info] = await Promise.all([c.datoms(await this.viewDb(), 'eavt'), c.storageInfo()]);
        this.set({ storage: { datoms: datoms.length, info: { ...(info as object) } } });
        return;
      }
      default: {
        const never: never = this.state.panel;
        throw new Error(`unknown panel ${String(never)}`);
      }
    }
  }

  fail(e: unknown): void {
    const err = toShownError(e);
    if (err.code === 'store/closed' || err.code === 'db/missing' || err.code === 'db/released') {
      // Another tab deleted the database; its 'reset' message may still be on its way.
      void this.reopen('The database was reset in another tab; your last change was not saved.');
      return;
    }
    this.set({ notice: { kind: 'error', text: err.code ? `${err.code}: ${err.message}` : err.message } });
  }

  info(text: string, action?: Notice['action']): void {
    this.set({ notice: { kind: 'info', text, action } });
  }

  dismiss(): void {
    this.set({ notice: undefined });
  }

  // ---- actions ----

  async transact(tx: unknown[], done?: string): Promise<boolean> {
    return (await this.commit(tx, done)) !== undefined;
  }

  /** Transact and return the committed datoms (undefined on failure, which is shown). */
  private async commit(tx: unknown[], done?: string): Promise<readonly Change[] | undefined> {
    if (!this.conn || tx.length === 0) return undefined;
    try {
      const report = await this.client.transact(this.conn, tx);
      if (done) this.info(done);
      return report.txData; // the live queries show the change
    } catch (e) {
      this.fail(e);
      return undefined;
    }
  }

  /**
   * Delete with undo. Nothing is lost in an immutable database: the report lists the datoms
   * the delete retracted, and asserting them again brings the entity back under its old id.
   */
  async remove(task: Task): Promise<void> {
    const datoms = await this.commit(removeTaskTx(task));
    if (!datoms) return;
    const undo = datoms.filter((d) => !d.added && d.a !== 'db/txInstant').map((d) => ['db/add', d.e, d.a, d.v]);
    this.info(`Deleted “${task.title}”.`, { label: 'Undo', run: () => void this.transact(undo, `Restored “${task.title}”.`) });
  }

  setFilter(filter: Filter): void {
    this.set({ filter, editing: null });
    if (this.state.travel === null) this.watch();
    else void this.refresh();
  }
  edit(id: number | null): void {
    this.set({ editing: id });
  }

  travelTo(tx: number | null): void {
    const last = this.state.txs.at(-1)?.tx;
    const travel = tx === last ? null : tx;
    const wasLive = this.state.travel === null;
    this.set({ travel, editing: null });
    if (travel !== null) void this.refresh();
    else if (!wasLive) this.watch(); // fresh live queries: they deliver the present as it is now
  }

  openPanel(panel: Panel): void {
    this.set({ panel });
    void this.refreshPanel().catch((e) => this.fail(e));
  }

  async showHistory(task: Task): Promise<void> {
    try {
      const live = await this.client.db(this.conn!);
      const datoms = await this.client.datoms(await this.client.history(live), 'eavt', task.id);
      const rows = datoms
        .map((d) => ({ tx: d.tx, a: d.a, v: d.v, added: d.added }))
        .sort((x, y) => x.tx - y.tx || Number(x.added) - Number(y.added) || x.a.localeCompare(y.a));
      this.set({ panel: 'history', history: { task, rows } });
    } catch (e) {
      this.fail(e);
    }
  }

  /** Edit the console without re-rendering (the inputs already show what was typed). */
  draft(patch: Partial<Pick<ConsoleState, 'kind' | 'text' | 'eid'>>, rerender = false): void {
    const next = { ...this.state.console, ...patch };
    if (rerender) this.set({ console: next });
    else this.state = { ...this.state, console: next };
  }

  /** Run the console's query or pull against the Db on screen; errors are shown, not thrown. */
  async runConsole(): Promise<void> {
    const { kind, text, eid } = this.state.console;
    this.set({ console: { ...this.state.console, running: true } });
    let outcome: ConsoleState['outcome'];
    const started = performance.now();
    try {
      const db = await this.viewDb();
      const value = kind === 'query' ? await this.client.q(text, db) : await this.client.pull(db, text, parseEid(eid));
      outcome = { ok: true, value, text, ms: performance.now() - started }; // round trip to the worker included
    } catch (e) {
      outcome = { ok: false, error: toShownError(e) };
    }
    this.set({ console: { ...this.state.console, running: false, outcome } });
  }

  async requestPersistence(): Promise<void> {
    try {
      const granted = await this.client.requestPersistence();
      this.info(granted ? 'Storage is now persistent.' : 'The browser declined persistent storage.');
      await this.refreshPanel();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Delete the database and start over with fresh sample data. */
  async reset(): Promise<void> {
    try {
      await this.close();
      await this.client.deleteDatabase(DB_CONFIG);
      this.set({ phase: 'starting', travel: null, editing: null, history: undefined, filter: { kind: 'all' } });
      await this.start();
      this.channel.postMessage('reset');
      this.info('The database was deleted and seeded again.');
    } catch (e) {
      this.fail(e);
    }
  }

  private async close(): Promise<void> {
    this.generation++; // results of reads in flight are dropped
    this.stopWatching();
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await this.client.release(conn).catch(() => {}); // its store may be gone already
  }

  /** Connect again from scratch: the database was deleted under us (by another tab). */
  private reopen(why: string): Promise<void> {
    this.reopening ??= (async () => {
      await this.close();
      this.set({ phase: 'starting', editing: null, history: undefined });
      await this.start();
      this.info(why);
    })().finally(() => {
      this.reopening = undefined;
    });
    return this.reopening;
  }
}

function toChanges(rows: readonly [number, string, unknown, boolean][]): Change[] {
  return rows
    .filter(([, a]) => a !== 'db/txInstant')
    .map(([e, a, v, added]) => ({ e, a, v, added }))
    .sort((x, y) => x.e - y.e || x.a.localeCompare(y.a) || Number(x.added) - Number(y.added));
}
