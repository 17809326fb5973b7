// Temp files killed writers leave in a file store are removed (on open and on every GC sweep);
// those of live processes stay; size() counts what is on disk.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileBackend } from './file.js';
import { encodeName } from './file-names.js';

const root = await mkdtemp(join(tmpdir(), 'cairn-orphans-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const backend = createFileBackend();
const enc = new TextEncoder();

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(r.stdout));
}

async function litter(dir: string, pid: number, tag: string): Promise<string[]> {
  const files = [join('tmp', `${pid}-${tag}-1`), join('tmp', `marker-${pid}-${tag}`), `lock.${pid}-0-${tag}.tmp`, `lock.break.${pid}-0-${tag}.tmp`];
  for (const f of files) await writeFile(join(dir, f), new Uint8Array(1000));
  return files;
}

async function present(dir: string): Promise<string[]> {
  return [...(await readdir(join(dir, 'tmp'))).map((f) => join('tmp', f)), ...(await readdir(dir)).filter((f) => f.endsWith('.tmp'))].sort();
}

describe('file store litter', () => {
  it('removes the temp files of dead writers on open and on a GC sweep, keeps live ones', async () => {
    const cfg = { backend: 'file', id: 'litter', path: root };
    const dir = join(root, encodeName('litter'));
    const s = await backend.create(cfg);
    await s.putBatch([
      ['n1', enc.encode('node')],
      ['ref:head/main', enc.encode('h1')],
    ]);
    await s.close();
    const dead = await litter(dir, deadPid(), 'a');
    const live = await litter(dir, process.ppid, 'b');
    expect(await present(dir)).toEqual([...dead, ...live].sort());

    const opened = await backend.connect(cfg);
    expect(await present(dir)).toEqual([...live].sort());
    const sized = await opened.size!();
    expect(sized.keys).toBe(2);
    expect(sized.bytes).toBeGreaterThanOrEqual(4 * 1000 + 4);

    const dead2 = await litter(dir, deadPid(), 'c');
    expect(await present(dir)).toEqual([...dead2, ...live].sort());
    await opened.deleteManyIf!([], { key: 'ref:head/main', expected: enc.encode('h1') });
    expect(await present(dir)).toEqual([...live].sort());
    expect((await opened.size!()).bytes).toBeLessThan(sized.bytes + 1);
    await opened.close();
  });
});
