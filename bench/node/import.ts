// Bulk import alone, file backend (the storage section's import): the people set imported in
// 20,000-person transactions, datoms/s. For profiling: PROFILE=out.cpuprofile node --import tsx bench/node/import.ts [persons] [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as engine from '../../src/index.js';
import { createFileBackend } from '../../src/store/file.js';
import { cairnEntity, cairnSchema, people } from '../people.js';

/** The engine functions the import needs (another checkout's copy for before/after runs). */
export type ImportEngine = Pick<typeof engine, 'connect' | 'createDatabase' | 'deleteDatabase' | 'registerBackend' | 'release' | 'transact'> & {
  readonly createFileBackend: typeof createFileBackend;
};

let memoryIds = 0;

/**
 * Milliseconds to import `persons` people (5 datoms each) into a fresh file-backend database
 * (`memory`: the memory backend instead, the engine's CPU without the file system's waits).
 */
export async function importFile(
  persons = 200_000,
  chunk = 20_000,
  profile?: string,
  e: ImportEngine = { ...engine, createFileBackend },
  memory = false,
): Promise<number> {
  const { connect, createDatabase, registerBackend, release, transact } = e;
  registerBackend('import-file', e.createFileBackend());
  const dir = mkdtempSync(join(tmpdir(), 'cairn-import-'));
  const config = memory ? { store: { backend: 'memory', id: `people-${memoryIds++}` } } : { store: { backend: 'import-file', id: 'people', path: dir } };
  try {
    await createDatabase(config);
    const conn = await connect(config);
    await transact(conn, cairnSchema);
    const ps = people(persons);
    const session = profile === undefined ? undefined : new Session();
    if (session !== undefined) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const t = performance.now();
    for (let i = 0; i < ps.length; i += chunk) await transact(conn, ps.slice(i, i + chunk).map(cairnEntity));
    const ms = performance.now() - t;
    if (session !== undefined && profile !== undefined) {
      const { profile: p } = await session.post('Profiler.stop');
      writeFileSync(profile, JSON.stringify(p));
      session.disconnect();
    }
    await release(conn);
    if (memory) await e.deleteDatabase(config);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const persons = Number(process.argv[2] ?? 200_000);
  const runs = Number(process.argv[3] ?? 1);
  for (let r = 0; r < runs; r++) {
    const ms = await importFile(persons, 20_000, process.env.PROFILE);
    console.log(`import ${persons * 5} datoms: ${ms.toFixed(0)} ms, ${Math.round((persons * 5) / (ms / 1000)).toLocaleString('en')} datoms/s`);
  }
}
