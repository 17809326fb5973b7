// The multi-process races (./multi-process.ts) on the LMDB backend: GC in one process beside
// writers in others, and writers racing right after each other. LMDB's own lock dies with its
// process, so there is no stale lock file to plant (lmdb-processes.test.ts kills writers mid-commit).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runMultiProcessRaces } from './multi-process.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-lmdb-races-'));
afterAll(() => rm(root, { recursive: true, force: true }));

runMultiProcessRaces('lmdb', { store: (id) => ({ backend: 'lmdb', id, path: root, durability: 'relaxed' }), rounds: 15 });
