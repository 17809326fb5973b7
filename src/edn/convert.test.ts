import { describe, expect, it } from 'vitest';
import { CairnError } from '../util/errors.js';
import { ednToJs, keyword, readEdn } from './index.js';

describe('ednToJs', () => {
  const valueCases: [string, unknown][] = [
    [':status/active', ':status/active'],
    ['sym', 'sym'],
    ['[1 (2 3) #{4}]', [1, [2, 3], [4]]],
    ['{:person/name "x" "s" 1 :db/id 5}', { 'person/name': 'x', s: 1, 'db/id': 5 }],
    ['{[1 2] :a}', { '[1 2]': ':a' }],
    ['#uuid "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'],
    ['#inst "2020"', new Date(Date.UTC(2020, 0, 1))],
    ['99999999999999999999', 99999999999999999999n],
    ['nil', null],
  ];
  it.each(valueCases)("'value' mode: %s", (text, expected) => {
    expect(ednToJs(readEdn(text))).toEqual(expected);
  });

  it("'attr' mode drops the colon", () => {
    expect(ednToJs(keyword('person/name'), 'attr')).toBe('person/name');
    expect(ednToJs(':person/name', 'attr')).toBe('person/name');
    expect(ednToJs('person/name', 'attr')).toBe('person/name');
  });

  it("'tx' mode: entity maps and list ops", () => {
    const tx = readEdn(`[{:db/id -1 :person/name "Ada" :person/status :status/active
                          :person/friend [:person/email "b@c.d"] :person/_parent {:person/name "kid"}
                          :person/tags #{:t/a :t/b}}
                         [:db/add [:person/email "a"] :person/friend [:person/email "b"]]
                         (:db/retract 5 :person/name)
                         [:db.fn/cas 5 :person/age 1 2]
                         [:db/retractEntity :my/ident]
                         nil]`);
    expect(ednToJs(tx, 'tx')).toEqual([
      {
        'db/id': -1,
        'person/name': 'Ada',
        'person/status': ':status/active',
        'person/friend': [':person/email', 'b@c.d'],
        'person/_parent': { 'person/name': 'kid' },
        'person/tags': [':t/a', ':t/b'],
      },
      ['db/add', ['person/email', 'a'], 'person/friend', [':person/email', 'b']],
      ['db/retract', 5, 'person/name'],
      ['db.fn/cas', 5, 'person/age', 1, 2],
      ['db/retractEntity', ':my/ident'],
      null,
    ]);
  });

  it("'tx' mode: {:tx-data :tx-meta}", () => {
    expect(ednToJs(readEdn('{:tx-data [[:db/add 1 :a/b 2]] :tx-meta {:source "import"}}'), 'tx')).toEqual({
      txData: [['db/add', 1, 'a/b', 2]],
      txMeta: { source: 'import' },
    });
    expect(ednToJs(readEdn('{:tx-data []}'), 'tx')).toEqual({ txData: [] });
  });

  it("'tx' mode rejects shapes that are not tx data", () => {
    for (const text of ['5', '{:a 1}', '{:tx-meta {}}', '"x"']) {
      try {
        ednToJs(readEdn(text), 'tx');
        expect.unreachable(text);
      } catch (e) {
        expect(e).toBeInstanceOf(CairnError);
        expect((e as CairnError).code).toBe('transact/syntax');
      }
    }
  });
});
