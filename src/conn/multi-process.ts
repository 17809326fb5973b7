// Multi-process races against one store (issue 17), written once for every backend that
// several processes can share: `runMultiProcessRaces(name, target)` registers the vitest tests.
// The file backend runs them in ./file-races.test.ts; a server backend (PostgreSQL, LMDB)
// passes its own config and a setup module that registers it in the children.
//
// 1. GC beside writers: two writer processes commit in a loop while a third runs gcStorage in a
//    loop; afterwards a fresh connection reads every acknowledged item (none lost to GC, no
//    store/missing-node), and so does one after a last GC.
// 2. Writers after a dead owner: three long-lived writer processes commit one transaction each
//    per round, all at once, right after `target.killedWriter` left the store as a writer killed
//    holding its lock leaves it; no acknowledged transaction may be lost.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createDatabase, datoms, db, deleteDatabase, gcStorage, release } from '../index.js';
import type { Config } from '../db/inputs.js';
import type { StoreConfig } from '../store/types.js';

export interface RaceTarget {
  /** The store config for a database called `id` (fresh per test). */
  store(id: string): StoreConfig;
  /** A module the children import before connecting (registers a non-built-in backend). */
  readonly setupModule?: string;
  /** Leave the store as a writer killed while holding its write lock would (before each round). */
  killedWriter?(store: StoreConfig): Promise<void>;
  /** Rounds of the dead-owner race (default 30). */
  readonly rounds?: number;
}

const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'race-child.ts');
const SCHEMA = [{ 'db/ident': 'item/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' }];

interface Child {
  send(line: string): void;
  /** The next message of the given kind (every `ack` is recorded in `acked` on the way). */
  next(kind: 'done' | 'gcs'): Promise<Record<string, unknown>>;
  readonly acked: string[];
  /** Failures the child reported (with its stderr once it exited badly). */
  readonly errors: string[];
  exited: Promise<number | null>;
}

function start(config: Config, target: RaceTarget, label: string): Child {
  const env = { ...process.env, ...(target.setupModule ? { CAIRN_RACE_SETUP: target.setupModule } : {}) };
  const p: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(config)], { env });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += String(d)));
  const acked: string[] = [];
  const errors: string[] = [];
  const waiting: { kind: string; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const failAll = (why: string) => {
    for (const w of waiting.splice(0)) w.reject(new Error(why));
  };
  createInterface({ input: p.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as Record<string, unknown>;
    if (typeof m['ack'] === 'string') acked.push(m['ack']);
    else if ('error' in m) {
      errors.push(`${label}: ${m['error']}: ${m['message']}`);
      failAll(`${label} failed: ${m['error']} ${m['message']}`);
    } else {
      const i = waiting.findIndex((w) => w.kind in m);
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
    }
  });
  void exited.then((code) => {
    if (code !== 0) errors.push(`${label}: exit ${code}: ${stderr}`);
    failAll(`child exited (${code}) ${stderr}`);
  });
  return {
    acked,
    errors,
    exited,
    send: (line) => void p.stdin.write(`${line}\n`),
    next: (kind) => new Promise((resolve, reject) => waiting.push({ kind, resolve, reject })),
  };
}

async function namesIn(config: Config): Promise<string[]> {
  const conn = await connect(config, { shared: false });
  try {
    return (await datoms(db(conn), 'aevt', 'item/name')).map((d) => d.v as string);
  } finally {
    await release(conn);
  }
}

export function runMultiProcessRaces(name: string, target: RaceTarget): void {
  describe(`multi-process races: ${name}`, () => {
    const made: Config[] = [];
    let seq = 0;
    const fresh = async (): Promise<Config> => {
      const config: Config = { store: target.store(`races-${Date.now().toString(36)}-${seq++}`), branchingFactor: 8, initialTx: SCHEMA };
      await createDatabase(config);
      made.push(config);
      return config;
    };
    afterAll(async () => {
      for (const c of made) await deleteDatabase(c).catch(() => undefined);
    });

    it('gcStorage in one process never deletes what writers in others committed', async () => {
      const config = await fresh();
      const gc = start(config, target, 'gc');
      const writers = [start(config, target, 'writer 0'), start(config, target, 'writer 1')];
      gc.send('gc');
      // Commits of 10 items fold the tail into the trees often (branching factor 8): new nodes.
      writers.forEach((w, i) => w.send(`tx w${i} 40 10`));
      await Promise.all(writers.map((w) => w.next('done')));
      gc.send('stop');
      const { gcs } = await gc.next('gcs');
      for (const c of [gc, ...writers]) c.send('exit');
      await Promise.all([gc, ...writers].map((c) => c.exited));
      expect([gc, ...writers].flatMap((c) => c.errors)).toEqual([]);
      expect(gcs).toBeGreaterThan(0);
      const acked = writers.flatMap((w) => w.acked).sort();
      expect(acked.length).toBe(800);
      expect((await namesIn(config)).sort()).toEqual(acked);
      // One more GC from here, then a fresh reader: still everything.
      const conn = await connect(config, { shared: false });
      await gcStorage(conn);
      await release(conn);
      expect((await namesIn(config)).sort()).toEqual(acked);
    }, 300_000);

    it('writers racing for the lock of a killed writer lose no acknowledged transaction', async () => {
      const config = await fresh();
      const rounds = target.rounds ?? 30;
      const writers = [0, 1, 2].map((i) => start(config, target, `writer ${i}`));
      for (let r = 0; r < rounds; r++) {
        await target.killedWriter?.(config.store!);
        writers.forEach((w, i) => w.send(`tx r${r}w${i} 1 1`));
        await Promise.all(writers.map((w) => w.next('done')));
      }
      for (const w of writers) w.send('exit');
      await Promise.all(writers.map((w) => w.exited));
      expect(writers.flatMap((c) => c.errors)).toEqual([]);
      const acked = writers.flatMap((w) => w.acked).sort();
      expect(acked.length).toBe(3 * rounds);
      expect((await namesIn(config)).sort()).toEqual(acked);
    }, 300_000);
  });
}
