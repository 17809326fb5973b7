// What a synced device says about entity ids it handed out in its own reports.
import { describe, expect, it } from 'vitest';
import { HandedOutIds } from './handed-out.js';

const past100 = (id: number) => id > 100;

describe('HandedOutIds', () => {
  it('follows an id from its report to the server’s answer', () => {
    const h = new HandedOutIds();
    h.handOut('c-1', { x: 101, y: 102, z: 7, 'db/current-tx': 536_870_999 }, (id) => past100(id) && id < 536_870_000);
    expect(h.problem(7)).toBeUndefined(); // the server's already
    expect(h.problem(101)).toMatch(
      /entity 101 is an id this device gave the entity that transaction c-1 created \(x\), which the sync server has not confirmed/,
    );
    h.confirm('c-1', { x: 101, y: 105 });
    expect(h.problem(101)).toBeUndefined(); // the same number on the server
    expect(h.problem(102)).toMatch(/\(y\); the sync server numbered it 105$/);
  });

  it('two tempids of one entity (an upsert merged them): one id, confirmed once', () => {
    const h = new HandedOutIds();
    h.handOut('c-1', { x: 101, y: 101, z: 102 }, past100);
    expect(h.problem(101)).toMatch(/transaction c-1 created \(x\), which the sync server has not confirmed/);
    h.confirm('c-1', { x: 101, y: 101, z: 103 });
    expect(h.problem(101)).toBeUndefined();
    expect(h.problem(102)).toMatch(/\(z\); the sync server numbered it 103$/);
    h.handOut('c-2', { a: 104, b: 104 }, past100);
    h.reject('c-2');
    expect(h.problem(104)).toMatch(/which the sync server refused/);
  });

  it('says when the server’s numbers are not known, and when it refused the transaction', () => {
    const h = new HandedOutIds();
    h.handOut('c-1', { x: 101 }, past100);
    h.handOut('c-2', { y: 102 }, past100);
    h.confirm('c-1', undefined); // a bulk commit's report keeps no tempids
    h.reject('c-2');
    expect(h.problem(101)).toMatch(/the sync server numbered it differently$/);
    expect(h.problem(102)).toMatch(/which the sync server refused: that entity was never created$/);
  });

  it('an id handed out again belongs to the newer transaction; the latest 10,000 are kept', () => {
    const h = new HandedOutIds();
    h.handOut('c-1', { x: 101 }, past100);
    h.handOut('c-2', { y: 101 }, past100); // after a rebase the view renumbered
    h.confirm('c-1', { x: 200 });
    expect(h.problem(101)).toMatch(/transaction c-2 created \(y\), which the sync server has not confirmed/);
    const many: Record<string, number> = {};
    for (let i = 0; i < 10_001; i++) many[`t${i}`] = 1_000 + i;
    h.handOut('c-3', many, past100);
    expect(h.problem(101)).toBeUndefined(); // forgotten, oldest first
    expect(h.problem(1_000)).toBeUndefined();
    expect(h.problem(1_001)).toMatch(/c-3 created \(t1\)/);
  });
});
