// Config honesty (issue 14): the config a database was created with is stored; connect with a
// different schemaFlexibility / keepHistory / index / attributeRefs fails with config/mismatch
// naming both values (whether the connection is fresh from storage or already open); Datahike's
// spellings are aliases; an unknown key is config/invalid.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getIndex } from '../src/indices/registry.js';
import { connect, createDatabase, db, deleteDatabase, q, registerIndex, release, transact, type Config } from '../src/index.js';
import { caught } from './conformance-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
registerIndex('my-index', getIndex('persistent-set')); // a second registered index to mismatch with
let n = 0;
const memory = (): Config => ({ store: { backend: 'memory', id: `config-${n++}` } });
const file = (): Config => ({ store: { backend: 'file', id: `config-${n++}`, path: dir } });

describe.each([
  ['memory', memory],
  ['file', file],
] as const)('%s store', (_name, base) => {
  it.each([
    ['keepHistory', { keepHistory: false }, { keepHistory: true }, /created with keepHistory false, but connect was given true/],
    [
      'schemaFlexibility',
      { schemaFlexibility: 'read' },
      { schemaFlexibility: 'write' },
      /created with schemaFlexibility "read", but connect was given "write"/,
    ],
    ['index', {}, { index: 'my-index' }, /created with index "persistent-set", but connect was given "my-index"/],
    ['a Datahike alias', { 'keep-history?': false }, { 'keep-history?': true }, /keepHistory false, but connect was given true/],
    ['attributeRefs', { attributeRefs: true }, { attributeRefs: false }, /created with attributeRefs true, but connect was given false/],
    ['attributeRefs (not stored)', {}, { attributeRefs: true }, /created with attributeRefs false, but connect was given true/],
    ['attribute-refs? (alias)', { 'attribute-refs?': true }, { 'attribute-refs?': false }, /created with attributeRefs true, but connect was given false/],
  ] as const)('%s mismatch is config/mismatch, fresh and while open', async (_t, created, given, message) => {
    const cfg = base();
    await createDatabase({ ...cfg, ...created } as Config);
    const e1 = await caught(connect({ ...cfg, ...given } as Config));
    expect(e1.code).toBe('config/mismatch');
    expect(e1.message).toMatch(message);
    const conn = await connect(cfg); // settings left out: the stored ones
    const e2 = await caught(connect({ ...cfg, ...given } as Config));
    expect(e2.code).toBe('config/mismatch');
    const same = await connect({ ...cfg, ...created } as Config); // the same values are fine
    await release(same);
    await release(conn);
    await deleteDatabase(cfg);
  });

  it('a connection without settings uses the stored ones', async () => {
    const cfg = base();
    await createDatabase({ ...cfg, schemaFlexibility: 'read', keepHistory: false });
    const conn = await connect(cfg);
    await transact(conn, [{ 'undeclared/attr': 1 }]); // read flexibility: no schema needed
    expect(db(conn).config).toEqual({ schemaFlexibility: 'read', keepHistory: false, index: 'persistent-set', attributeRefs: false });
    await release(conn);
    await deleteDatabase(cfg);
  });

  it('attribute refs are stored: a connection without settings gets them back', async () => {
    const cfg = base();
    await createDatabase({ ...cfg, 'attribute-refs?': true } as Config);
    const conn = await connect(cfg);
    expect(db(conn).config.attributeRefs).toBe(true);
    await release(conn);
    await deleteDatabase(cfg);
  });
});

describe('Datahike spellings and unknown keys', () => {
  it('accepts Datahike keys and values', async () => {
    const id = `config-${n++}`;
    const cfg = {
      ':store': { ':backend': ':mem', ':id': id },
      'schema-flexibility': ':read',
      'keep-history?': false,
      'attribute-refs?': false,
      index: ':datahike.index/persistent-set',
      'initial-tx': [{ 'db/ident': 'p/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }],
    } as unknown as Config;
    await createDatabase(cfg);
    const conn = await connect(cfg);
    expect(db(conn).config).toEqual({ schemaFlexibility: 'read', keepHistory: false, index: 'persistent-set', attributeRefs: false });
    expect(conn.config.store).toEqual({ backend: 'memory', id });
    expect(await q('[:find ?i . :where [?e :db/ident :p/name] [?e :db/ident ?i]]', db(conn))).toBe(':p/name');
    await release(conn);
    await deleteDatabase(cfg);
  });

  it.each([
    ['an unknown key', { keepHistroy: false }, /unknown config key "keepHistroy"/],
    ['a Datahike key CairnDB does not have', { 'search-cache-size': 10 }, /unknown config key "search-cache-size"/],
    ['a key named like an Object member', { toString: 1 }, /unknown config key "toString"/],
    ['a key given twice', { keepHistory: true, 'keep-history?': true }, /given twice/],
    [
      'attributeRefs true with schemaFlexibility read',
      { attributeRefs: true, schemaFlexibility: 'read' },
      /attributeRefs true cannot be combined with schemaFlexibility 'read'/,
    ],
    ['attributeRefs not a boolean', { 'attribute-refs?': 'yes' }, /attributeRefs must be a boolean, got "yes"/],
    ['a bad value through an alias', { 'schema-flexibility': ':sometimes' }, /schemaFlexibility must be 'write' or 'read', got "sometimes"/],
  ] as const)('%s is config/invalid', async (_t, extra, message) => {
    const cfg = { ...memory(), ...extra } as Config;
    for (const call of [() => createDatabase(cfg), () => connect(cfg)]) {
      const e = await caught(call());
      expect(e.code).toBe('config/invalid');
      expect(e.message).toMatch(message);
    }
  });
});
