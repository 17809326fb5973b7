// The `cairndb` entry exports exactly what docs/api.md documents: every name src/index.ts
// exports (values and types) is named in the API page, and the engine's internals stay out.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import * as cairndb from '../src/index.js';

const repo = resolve(import.meta.dirname, '..');
const barrel = readFileSync(join(repo, 'src/index.ts'), 'utf8').replace(/\/\/.*$/gm, '');
const api = readFileSync(join(repo, 'docs/api.md'), 'utf8');

/** Every name an `export { … }` or `export type { … }` list of the barrel gives out. */
function exportedNames(): string[] {
  const names = new Set<string>();
  for (const m of barrel.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name !== '') names.add(name);
    }
  }
  return [...names].sort();
}

it('names every export of the cairndb entry in docs/api.md', () => {
  const names = exportedNames();
  expect(names.length).toBeGreaterThan(50);
  for (const value of Object.keys(cairndb)) expect(names, `${value} is exported by a list the test reads`).toContain(value);
  // named in prose (`name`) or used in an example
  const undocumented = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(api));
  expect(undocumented).toEqual([]);
});

it('keeps the internals out of the cairndb entry', () => {
  for (const internal of ['api', 'ConnectionHandle', 'DEFAULT_BRANCHING_FACTOR', 'defaultRegistry', 'BackendRegistry']) {
    expect(Object.keys(cairndb)).not.toContain(internal);
  }
});
