// Transaction functions (issue 14): db.fn/call with a function in process, functions registered
// by name called from JS tx data and from EDN text, nested calls, errors failing the transaction
// with the function's message (and changing nothing), and no evaluation of user text.

import { beforeAll, describe, expect, it } from 'vitest';
import { datoms, db, q, registerTxFunction, transact, withDb, type Connection, type Db } from '../src/index.js';
import { attr, caught, fresh } from './conformance-helpers.js';

let c: Connection;
beforeAll(async () => {
  c = await fresh([
    [
      attr('acct/id', 'string', { 'db/unique': 'db.unique/identity' }),
      attr('acct/balance', 'long'),
      attr('acct/log', 'string', { 'db/cardinality': 'db.cardinality/many' }),
    ],
  ]);
  await transact(c, [
    { 'acct/id': 'a', 'acct/balance': 100 },
    { 'acct/id': 'b', 'acct/balance': 0 },
  ]);
  registerTxFunction('bank/transfer', async (d: Db, from: string, to: string, amount: number) => {
    const bal = async (id: string) => (await q('[:find ?b . :in $ ?id :where [?e :acct/id ?id] [?e :acct/balance ?b]]', d, id)) as number;
    const [fb, tb] = [await bal(from), await bal(to)];
    if (fb < amount) throw new Error(`insufficient funds in ${from}: ${fb} < ${amount}`);
    return [
      ['db/add', ['acct/id', from], 'acct/balance', fb - amount],
      ['db/add', ['acct/id', to], 'acct/balance', tb + amount],
      [':bank/note', from, `sent ${amount} to ${to}`], // a function may call another
    ];
  });
  registerTxFunction(':bank/note', (_d: Db, id: string, text: string) => [['db/add', ['acct/id', id], 'acct/log', text]]);
  registerTxFunction('bank/not-data', () => 42);
  registerTxFunction('bank/cairn-error', (_d: Db, id: string) => [['db/add', ['acct/id', id], 'acct/balance', 'not a number']]);
  registerTxFunction('bank/loop', () => [['bank/loop']]);
});

const balances = async (): Promise<unknown> => q('[:find ?id ?b :where [?e :acct/id ?id] [?e :acct/balance ?b] :order-by ?id]', db(c));

describe('calling transaction functions', () => {
  it('a registered function from JS tx data and from EDN text', async () => {
    await transact(c, [['bank/transfer', 'a', 'b', 30]]);
    expect(await balances()).toEqual([
      ['a', 70],
      ['b', 30],
    ]);
    await transact(c, '[[:bank/transfer "b" "a" 10]]');
    expect(await balances()).toEqual([
      ['a', 80],
      ['b', 20],
    ]);
    expect(await q('[:find [?l ...] :where [?e :acct/id "a"] [?e :acct/log ?l]]', db(c))).toEqual(['sent 30 to b']);
  });

  it.each([
    [
      'db.fn/call with a function',
      (): unknown => [
        [
          'db.fn/call',
          (d: Db, n: number): unknown[] => {
            expect(d).toBe(db(c));
            return [{ 'acct/id': 'c', 'acct/balance': n }];
          },
          5,
        ],
      ],
    ],
    ['db.fn/call with a registered name', (): unknown => [['db.fn/call', 'bank/note', 'a', 'hello'], { 'acct/id': 'c', 'acct/balance': 5 }]],
    [':db.fn/call spelling, EDN text', (): unknown => '[[:db.fn/call "bank/note" "a" "hello"] {:acct/id "c" :acct/balance 5}]'],
  ] as const)('%s', async (_t, tx) => {
    const r = await withDb(db(c), tx() as never);
    expect(await q('[:find ?b . :where [?e :acct/id "c"] [?e :acct/balance ?b]]', r.dbAfter)).toBe(5);
  });

  it('a call sees the tx data written before it in the same transaction (as Datahike)', async () => {
    const r = await withDb(db(c), [
      ['bank/transfer', 'a', 'b', 5],
      ['bank/transfer', 'a', 'b', 5],
    ]);
    expect(await q('[:find ?id ?b :where [?e :acct/id ?id] [?e :acct/balance ?b] :order-by ?id]', r.dbAfter)).toEqual([
      ['a', 70],
      ['b', 30],
    ]);
    const seen: unknown[] = [];
    await withDb(db(c), [
      { 'acct/id': 'z', 'acct/balance': 9 },
      [
        'db.fn/call',
        async (d: Db) => {
          seen.push(await q('[:find ?b . :where [?e :acct/id "z"] [?e :acct/balance ?b]]', d));
          return [];
        },
      ],
    ]);
    expect(seen).toEqual([9]);
  });

  it('mixes with ordinary tx data and tempids', async () => {
    const r = await withDb(db(c), [{ 'db/id': 'n', 'acct/id': 'n', 'acct/balance': 1 }, ['bank/note', 'a', 'x']]);
    expect(r.tempids.n).toBeGreaterThan(0);
  });
});

describe('failures change nothing', () => {
  it.each([
    [
      'the function throws',
      [['bank/transfer', 'b', 'a', 1000]],
      'transact/fn',
      /transaction function bank\/transfer failed: insufficient funds in b: 20 < 1000/,
    ],
    ['it returns something other than tx data', [['bank/not-data']], 'transact/fn', /bank\/not-data must return tx data \(an array\), got 42/],
    ['its tx data is bad: that error as it is', [['bank/cairn-error', 'a']], 'schema/type', /not a number/],
    ['it calls itself forever', [['bank/loop']], 'transact/fn', /more than 1000 transaction function calls/],
    ['db.fn/call of an unknown name', [['db.fn/call', 'bank/nope', 1]], 'transact/fn', /needs a function or the name of a registered one, got "bank\/nope"/],
    ['db.fn/call of a number', [['db.fn/call', 7]], 'transact/fn', /got 7/],
    ['an unregistered name is not an op', [['bank/nope', 1]], 'transact/syntax', /bank\/nope/],
  ] as const)('%s', async (_t, tx, code, message) => {
    const before = await datoms(db(c), 'eavt');
    const e = await caught(transact(c, tx as never));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(await datoms(db(c), 'eavt')).toEqual(before);
  });

  it('EDN text never evaluates code: a string is only a registry name', async () => {
    const e = await caught(transact(c, '[[:db.fn/call "(fn [db] (js/alert 1))"]]'));
    expect(e.code).toBe('transact/fn');
  });

  it.each([
    ['a reserved name', () => registerTxFunction('db/add', () => []), /reserved/],
    ['a db.fn name', () => registerTxFunction('db.fn/call', () => []), /reserved/],
    ['not a function', () => registerTxFunction('my/x', 'code' as never), /needs a function/],
    ['no name', () => registerTxFunction('', () => []), /needs a name/],
  ] as const)('registering %s is config/invalid', (_t, call, message) => {
    expect(call).toThrow(message);
  });
});
