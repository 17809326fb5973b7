import { describe, expect, it } from 'vitest';
import { CairnError } from '../util/errors.js';
import { isPromise } from '../util/maybe.js';
import { Entity, entity, touch } from './entity.js';
import { type FixtureAttr, fixtureDb } from '../db/testing/fixture-db.js';

const SCHEMA: Record<string, FixtureAttr> = {
  'person/aka': { many: true },
  'person/friend': { many: true, ref: true },
  'person/father': { ref: true },
  'person/email': { unique: 'identity' },
  'order/item': { ref: true, many: true, component: true },
  'item/part': { ref: true, component: true },
};

const FACTS = [
  [1, 'person/name', 'Ivan'],
  [1, 'person/aka', 'Vanya'],
  [1, 'person/aka', 'Ivanych'],
  [1, 'person/email', 'ivan@x.org'],
  [1, 'person/friend', 2],
  [1, 'person/friend', 3],
  [1, 'person/status', ':status/active'],
  [2, 'person/name', 'Petr'],
  [2, 'person/father', 1],
  [3, 'person/name', 'Oleg'],
  [3, 'person/friend', 1],
  [10, 'order/id', 'o-1'],
  [10, 'order/item', 11],
  [10, 'order/item', 12],
  [11, 'item/name', 'hammer'],
  [11, 'item/part', 13],
  [12, 'item/name', 'nails'],
  [13, 'part/name', 'handle'],
  [13, 'item/part', 11], // a component loop: touch must stop
  [20, 'db/ident', ':my/thing'],
  [20, 'thing/label', 'Thing'],
] as const;

describe.each([
  ['warm (synchronous)', false],
  ['cold (every read a Promise)', true],
])('entity: %s', (_title, async) => {
  const db = fixtureDb(SCHEMA, FACTS, { async });

  it('reads attributes lazily, card-many as arrays, keywords as strings', async () => {
    const e = (await entity(db, 1))!;
    expect(e).toBeInstanceOf(Entity);
    expect(e.id).toBe(1);
    const before = db.reads;
    expect(await e.get('person/name')).toBe('Ivan');
    expect(await e.get(':person/name')).toBe('Ivan');
    expect(db.reads).toBe(before + 1); // cached after the first read, colon or not
    expect(await e.get('person/aka')).toEqual(['Ivanych', 'Vanya']);
    expect(await e.get('person/status')).toBe(':status/active');
    expect(await e.get('db/id')).toBe(1);
    expect(await e.get('person/missing')).toBeUndefined();
  });

  it('returns a value without a Promise only when nothing must be read', async () => {
    const e = (await entity(db, 1))!;
    const first = e.get('person/name');
    expect(isPromise(first)).toBe(async);
    await first;
    expect(e.get('person/name')).toBe('Ivan'); // now cached: synchronous in both modes
  });

  it('follows refs forward and backward', async () => {
    const ivan = (await entity(db, 1))!;
    const friends = (await ivan.get('person/friend')) as Entity[];
    expect(friends.map((f) => f.id)).toEqual([2, 3]);
    expect(await friends[0]!.get('person/name')).toBe('Petr');
    const petr = friends[0]!;
    const father = (await petr.get('person/father')) as Entity;
    expect(father.equals(ivan)).toBe(true);
    const children = (await ivan.get('person/_father')) as Entity[];
    expect(children.map((c) => c.id)).toEqual([2]);
    const friendOf = (await ivan.get('person/_friend')) as Entity[];
    expect(friendOf.map((c) => c.id)).toEqual([3]);
    expect(await petr.get('person/_father')).toBeUndefined();
  });

  it('reverse of a component attribute is a single entity', async () => {
    const item = (await entity(db, 11))!;
    const order = (await item.get('order/_item')) as Entity;
    expect(order).toBeInstanceOf(Entity);
    expect(order.id).toBe(10);
  });

  it('touch loads everything and components recursively, cutting loops', async () => {
    const order = (await entity(db, 10))!;
    const touched = await touch(order);
    expect(touched).toBe(order);
    const items = order.get('order/item') as Entity[];
    expect(isPromise(items)).toBe(false);
    expect(items[0]!.get('item/name')).toBe('hammer');
    const part = items[0]!.get('item/part') as Entity;
    expect(part.get('part/name')).toBe('handle');
    expect(order.toJSON()).toEqual({ 'db/id': 10, 'order/id': 'o-1', 'order/item': [{ 'db/id': 11 }, { 'db/id': 12 }] });
    expect(await order.keys()).toEqual(['order/id', 'order/item']);
    expect(order.get('order/none')).toBeUndefined(); // touched: absent without a read
  });

  it('resolves lookup refs and idents; misses give null', async () => {
    expect((await entity(db, ['person/email', 'ivan@x.org']))!.id).toBe(1);
    expect((await entity(db, 'my/thing'))!.id).toBe(20);
    expect((await entity(db, ':my/thing'))!.id).toBe(20);
    expect(await entity(db, ['person/email', 'nobody'])).toBeNull();
    expect(await entity(db, 'my/nothing')).toBeNull();
    const ghost = (await entity(db, 999))!;
    expect(await ghost.get('person/name')).toBeUndefined();
  });

  it('equality is by db value and id', async () => {
    const a = (await entity(db, 1))!;
    const b = (await entity(db, 1))!;
    const other = fixtureDb(SCHEMA, FACTS, { async });
    expect(a.equals(b)).toBe(true);
    expect(a.equals((await entity(db, 2))!)).toBe(false);
    expect(a.equals((await entity(other, 1))!)).toBe(false);
    expect(a.equals({ id: 1, db })).toBe(false);
  });
});

describe('entity: errors', () => {
  const db = fixtureDb(SCHEMA, FACTS);
  it.each([[-1], [0.5], [{}], [null]])('rejects %j', (eid) => {
    try {
      entity(db, eid as number);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CairnError);
      expect((e as CairnError).code).toBe('entity/invalid');
    }
  });
  it('rejects an empty attribute name', () => {
    const e = entity(db, 1) as Entity;
    expect(() => e.get('')).toThrow(CairnError);
  });

  it('touch walks a component chain thousands deep without recursion, one read per entity', async () => {
    const n = 20000;
    const chain = Array.from({ length: n }, (_, i) => [[i + 1, 'c/i', i] as const, ...(i + 1 < n ? [[i + 1, 'c/next', i + 2] as const] : [])]).flat();
    for (const async of [false, true]) {
      const deep = fixtureDb({ 'c/next': { ref: true, component: true } }, chain, { async });
      const root = (await entity(deep, 1))!;
      const before = deep.reads;
      await touch(root);
      expect(deep.reads - before).toBe(n);
      let e: Entity | undefined = root,
        depth = 0;
      while (e !== undefined) {
        depth++;
        e = e.get('c/next') as Entity | undefined;
      }
      expect(depth).toBe(n);
      expect(root.toJSON()).toEqual({ 'db/id': 1, 'c/i': 0, 'c/next': { 'db/id': 2 } });
    }
  });
});
