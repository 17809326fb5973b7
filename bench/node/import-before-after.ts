// Bulk import before and after, alternating in one process:
//   node --import tsx bench/node/import-before-after.ts <other checkout> [persons] [rounds] [memory]
// loads a second copy of the engine (and its file backend) from another checkout's src/ (say,
// main, unpacked with `git archive main src | tar -x -C <dir>`), then imports the people set
// (5 datoms a person, 20,000-person transactions, strict file backend) with each copy in turn,
// who goes first alternating by round. Prints wall ms and CPU ms (process.cpuUsage, user +
// system: the I/O wait of a loaded machine is not in it) per import, and the medians.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as afterEngine from '../../src/index.js';
import { createFileBackend as afterFile } from '../../src/store/file.js';
import { importFile, type ImportEngine } from './import.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: import-before-after.ts <checkout with the other src/> [persons] [rounds] [memory]');
const persons = Number(process.argv[3] ?? 200_000);
const rounds = Number(process.argv[4] ?? 3);
const memory = process.argv[5] === 'memory'; // the memory backend: the engine's CPU alone
const load = async (path: string) => (await import(pathToFileURL(resolve(dir, path)).href)) as Record<string, unknown>;
const before: ImportEngine = {
  ...(await load('src/index.ts')),
  createFileBackend: (await load('src/store/file.ts')).createFileBackend,
} as unknown as ImportEngine;
const after: ImportEngine = { ...afterEngine, createFileBackend: afterFile };

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const runs: Record<'before' | 'after', { wall: number[]; cpu: number[] }> = { before: { wall: [], cpu: [] }, after: { wall: [], cpu: [] } };
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
    const c0 = process.cpuUsage();
    const ms = await importFile(persons, 20_000, undefined, name === 'before' ? before : after, memory);
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    runs[name].wall.push(ms);
    runs[name].cpu.push(cpu);
    console.log(
      `round ${r + 1} ${name.padEnd(6)} ${ms.toFixed(0).padStart(6)} ms wall (${Math.round((persons * 5) / (ms / 1000)).toLocaleString('en')} datoms/s), ${cpu.toFixed(0)} ms CPU`,
    );
  }
}
for (const name of ['before', 'after'] as const) {
  const w = median(runs[name].wall);
  console.log(
    `median ${name.padEnd(6)} ${w.toFixed(0).padStart(6)} ms wall (${Math.round((persons * 5) / (w / 1000)).toLocaleString('en')} datoms/s), ${median(runs[name].cpu).toFixed(0)} ms CPU`,
  );
}
