// The lmdb backend across processes: a writer SIGKILLed inside its write transaction leaves the
// last good head, every node it reaches and nothing of its batch, and the next writer (after
// LMDB's robust mutex recovers the dead writer's lock) commits with a CAS from the old head;
// four processes racing a CAS on one head: exactly one commits; a store deleted and made again
// under a process: it takes the new gate.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { seededBytes } from './contract-data.js';
import { storeLayout } from './file-names.js';
import { createLmdbBackend } from './lmdb.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'cairn-lmdb-procs-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const enc = new TextEncoder();
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

it('SIGKILL inside the commit transaction keeps the last good head and writes nothing of the batch', async () => {
  const backend = createLmdbBackend();
  const cfg = { backend: 'lmdb', id: 'killed', path: root };
  const store = await backend.create(cfg);
  const old: [string, Uint8Array][] = [];
  for (let i = 0; i < 100; i++) old.push([`old-${i}`, seededBytes(1000 + i, 2048)]);
  await store.putBatch([...old, ['ref:head', enc.encode('old-head')]], { cas: { key: 'ref:head', expected: undefined } });

  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'kill-child.ts'), 'lmdb', root, 'killed', '2000', '1500'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  // Kill once the child reports it is inside the transaction, 1,500 of its 2,000 nodes written.
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('inside')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before it was inside its transaction: ${out} ${err}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(out).not.toContain('done');

  // The handle opened before the kill and a fresh backend both see the old state only.
  for (const s of [store, await createLmdbBackend().connect(cfg)]) {
    expect(text(await s.get('ref:head'))).toBe('old-head');
    const got = await s.getMany(old.map(([k]) => k));
    got.forEach((v, i) => expect(v).toEqual(old[i]![1]));
    expect((await s.keys()).filter((k) => k.startsWith('new-'))).toEqual([]);
  }
  // The dead writer's lock is recovered and the head moves on with a CAS from the old value.
  await store.putBatch(
    [
      ['after', new Uint8Array([1])],
      ['ref:head', enc.encode('after-head')],
    ],
    {
      cas: { key: 'ref:head', expected: enc.encode('old-head') },
    },
  );
  expect(text(await store.get('ref:head'))).toBe('after-head');
  await store.close();
}, 120_000);

it('four processes CAS the same head: exactly one commits', async () => {
  const backend = createLmdbBackend();
  const cfg = { backend: 'lmdb', id: 'shared', path: root };
  const s = await backend.create(cfg);
  await s.putBatch([['ref:head', enc.encode('base')]]);
  const names = ['p1', 'p2', 'p3', 'p4'];
  const outs = await Promise.all(
    names.map((n) =>
      run(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'cas-child.ts'), 'lmdb', root, 'shared', n]).then((r) => r.stdout.trim()),
    ),
  );
  expect(outs.filter((o) => o === 'ok')).toHaveLength(1);
  expect(outs.filter((o) => o === 'conflict')).toHaveLength(3);
  const winner = names[outs.indexOf('ok')]!;
  expect(text(await s.get('ref:head'))).toBe(winner);
  const keys = (await s.keys()).filter((k) => k !== 'ref:head');
  expect(keys.every((k) => k.startsWith(`${winner}-`))).toBe(true);
  expect(keys).toHaveLength(50);
  await s.close();
}, 120_000);

it('a process opening the store while others commit loses no acknowledged commit', async () => {
  // The LMDB inside lmdb-js lets an opening process set the shared transaction counter back,
  // and the next writer then overwrites the commit made meanwhile; the open gate prevents it.
  const cfg = { backend: 'lmdb', id: 'reopened', path: root };
  await (await createLmdbBackend().create(cfg)).close();
  const fixture = join(here, 'fixtures', 'counter-child.ts');
  const child = (args: string[]) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fixture, root, 'reopened', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (err += String(d)));
    const done = new Promise<string>((resolve, reject) =>
      p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)))),
    );
    return { p, done };
  };
  const openers = [child(['reopen']), child(['reopen'])];
  const writers = ['a', 'b'].map((name) => child(['count', name, '1000']));
  const acked = (await Promise.all(writers.map((w) => w.done))).map(Number);
  for (const o of openers) o.p.stdin.end();
  const opens = (await Promise.all(openers.map((o) => o.done))).map(Number);
  expect(acked).toEqual([1000, 1000]);
  expect(opens.every((n) => n > 0)).toBe(true);
  const s = await createLmdbBackend().connect(cfg);
  expect(text(await s.get('ref:head'))).toBe('2000');
  // Every value was committed exactly once, by one of the writers.
  const written = (await s.keys()).filter((k) => k !== 'ref:head');
  expect(written).toHaveLength(2000);
  expect(new Set(written.map((k) => Number(k.slice(2)))).size).toBe(2000);
  await s.close();
}, 300_000);

it('a store deleted and made again under a process that had it open: the process takes the new gate', async () => {
  const cfg = { backend: 'lmdb', id: 'regated', path: root };
  const dir = storeLayout(cfg, 'lmdb', '.lmdb').dir;
  const mine = createLmdbBackend();
  const first = await mine.create(cfg);
  await first.putBatch([['ref:head', enc.encode('h1')]]);
  await first.close(); // the environment closes; this process keeps the store's gate open
  // Another party removes the store and makes it again (another backend here, another process
  // in life), with a new gate file.
  await rm(dir, { recursive: true, force: true });
  const theirs = await createLmdbBackend().create(cfg);
  await theirs.close();

  const store = await mine.connect(cfg);
  // A process holds the new gate's lock; a write of ours has to wait for it.
  const marker = join(root, 'gate-released');
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'gate-holder.ts'), join(dir, 'gate'), marker, '1500'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('holding')) resolve();
    });
    child.on('exit', () => reject(new Error(`the gate holder exited before it held the lock: ${out}`)));
  });
  await store.putBatch([['ref:head', enc.encode('h2')]]);
  // Our write went through only after the holder let go: the marker it writes first is there.
  expect(existsSync(marker)).toBe(true);
  expect(await exited).toBe(0);
  expect(text(await store.get('ref:head'))).toBe('h2');
  await store.close();
}, 60_000);
