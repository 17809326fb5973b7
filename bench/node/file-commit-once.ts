// One engine's awaited one-person commits on the file backend (`relaxed`), for before/after
// runs in separate processes (a shared heap would mix the two engines' GC):
// `node --expose-gc --import tsx bench/node/file-commit-once.ts <checkout> [persons]` loads the
// engine from `<checkout>/src` (`.` for this one; another tree with e.g. `git archive <rev> src |
// tar -x -C <dir>`), runs the persons twice into a fresh store and prints the second run's CPU
// (all threads), wall and kernel time in ms. Alternate checkouts from a shell loop and compare
// medians.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Node from '../../src/node.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

const checkout = process.argv[2];
if (checkout === undefined) throw new Error('usage: file-commit-once.ts <checkout> [persons]');
const engine = (await import(pathToFileURL(resolve(checkout, 'src/node.ts')).href)) as typeof Node;
const tx = people(Number(process.argv[3] ?? 5_000)).map(cairnEntity);
const gc = (globalThis as { gc?: () => void }).gc;

for (let round = 0; round < 2; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-file-commit-'));
  try {
    const config = { store: { backend: 'file', id: 'once', path: dir, durability: 'relaxed' } };
    await engine.createDatabase(config);
    const conn = await engine.connect(config);
    await engine.transact(conn, cairnSchema);
    gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const e of tx) await engine.transact(conn, [e]);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (round === 1) console.log(`cpu ${((c.user + c.system) / 1000).toFixed(0)} wall ${wall.toFixed(0)} sys ${(c.system / 1000).toFixed(0)}`);
    await engine.release(conn);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
