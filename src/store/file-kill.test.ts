// A process killed in the middle of a file-store putBatch must leave the previous head and
// every node it reaches intact, and the store writable again (the dead writer's lock broken).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { seededBytes } from './contract-data.js';
import { createFileBackend } from './file.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'cairn-kill-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

it('SIGKILL mid-putBatch keeps the last good head and its nodes', async () => {
  const backend = createFileBackend();
  const cfg = { backend: 'file', id: 'killed', path: root };
  const store = await backend.create(cfg);
  const old: [string, Uint8Array][] = [];
  for (let i = 0; i < 100; i++) old.push([`old-${i}`, seededBytes(1000 + i, 2048)]);
  await store.putBatch([...old, ['ref:head', new TextEncoder().encode('old-head')]], { cas: { key: 'ref:head', expected: undefined } });
  await store.close();

  const count = 2000;
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'kill-child.ts'), 'file', root, 'killed', String(count), '200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  // Kill once the child reports it stopped mid-batch, 200 of its node files named and other
  // writes in flight.
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('inside')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before it stopped mid-batch: ${out} ${err}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(out).toContain('started');
  expect(out).not.toContain('done');

  const again = await backend.connect(cfg);
  expect(text(await again.get('ref:head'))).toBe('old-head');
  const got = await again.getMany(old.map(([k]) => k));
  got.forEach((v, i) => expect(v).toEqual(old[i]![1]));
  // The batch was cut short: some of its nodes may exist (orphans), but not all.
  const keys = await again.keys();
  const newNodes = keys.filter((k) => k.startsWith('new-'));
  expect(newNodes.length).toBeGreaterThan(0);
  expect(newNodes.length).toBeLessThan(count);
  // Every node file that has its name is complete (never torn).
  const sample = await again.getMany(newNodes.slice(0, 50));
  sample.forEach((v, i) => expect(v).toEqual(seededBytes(Number(newNodes[i]!.slice(4)) + 1, 1024)));
  // The dead writer's lock is broken and the head moves on with a CAS from the old value.
  await again.putBatch(
    [
      ['after', new Uint8Array([1])],
      ['ref:head', new TextEncoder().encode('after-head')],
    ],
    {
      cas: { key: 'ref:head', expected: new TextEncoder().encode('old-head') },
    },
  );
  expect(text(await again.get('ref:head'))).toBe('after-head');
  await again.close();
}, 120_000);
