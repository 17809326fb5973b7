// The multi-process races (./multi-process.ts) on the file backend. A killed writer leaves its
// lock file naming a dead process; each round plants one, as `kill -9` mid-commit would.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { encodeName } from '../store/file-names.js';
import { runMultiProcessRaces } from './multi-process.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-races-'));
afterAll(() => rm(root, { recursive: true, force: true }));

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(r.stdout));
}

runMultiProcessRaces('file', {
  store: (id) => ({ backend: 'file', id, path: root, durability: 'relaxed' }),
  async killedWriter(store) {
    await writeFile(join(resolve(store['path'] as string, encodeName(store.id)), 'lock'), String(deadPid()));
  },
});
