// The q time budget (map form `timeout` / `signal`, 'query/timeout') and user regexes that
// cannot run away (regex.ts). No assertion here depends on machine speed: the slow parts are
// made slow on purpose (a function that waits for the clock, a promise that never settles).

import { describe, expect, it } from 'vitest';
import { q } from './index.js';
import { caught } from '../../test/caught.js';

/** A query function that holds the thread until the clock moved `ms` (a slow user function). */
const slow =
  (ms: number) =>
  (x: unknown): unknown => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      /* busy, like a runaway computation */
    }
    return x;
  };

const rows = (n: number): number[][] => Array.from({ length: n }, (_, i) => [i]);

describe('q time budget', () => {
  it('stops a query that runs past its timeout between function calls', async () => {
    const e = await caught(q({ query: '[:find ?y :in [[?x]] ?f :where [(?f ?x) ?y]]', args: [rows(200), slow(5)], timeout: 20 }));
    expect(e.code).toBe('query/timeout');
    expect(e.message).toContain('20 ms');
  });

  it('stops a query waiting on something that never settles', async () => {
    const never = (): Promise<never> => new Promise<never>(() => {});
    const e = await caught(q({ query: '[:find ?y :in ?x ?f :where [(?f ?x) ?y]]', args: [1, never], timeout: 30 }));
    expect(e.code).toBe('query/timeout');
  });

  it('rejects when its AbortSignal aborts, before or during the query', async () => {
    const done = new AbortController();
    done.abort('user left');
    const e1 = await caught(q({ query: '[:find ?x :in ?x]', args: [1], signal: done.signal }));
    expect(e1.code).toBe('query/timeout');
    expect(e1.message).toContain('user left');

    const later = new AbortController();
    const never = (): Promise<never> => new Promise<never>(() => {});
    const p = q({ query: '[:find ?y :in ?x ?f :where [(?f ?x) ?y]]', args: [1, never], signal: later.signal });
    later.abort();
    expect((await caught(p)).code).toBe('query/timeout');
  });

  it('lets a query that fits its budget answer normally', async () => {
    expect(await q({ query: '[:find [?x ...] :in [?x ...]]', args: [[1, 2, 3]], timeout: 60_000 })).toEqual([1, 2, 3]);
    expect(await q({ query: '[:find [?x ...] :in [?x ...]]', args: [[1]], signal: new AbortController().signal })).toEqual([1]);
  });

  it('validates the options', async () => {
    for (const timeout of [-1, 'soon', NaN, {}]) {
      expect((await caught(q({ query: '[:find ?x :in ?x]', args: [1], timeout: timeout as number }))).code).toBe('query/invalid-input');
    }
    expect((await caught(q({ query: '[:find ?x :in ?x]', args: [1], signal: {} as AbortSignal }))).code).toBe('query/invalid-input');
  });
});

describe('user regexes run in linear time', () => {
  it('answers ^(a+)+$ on a long non-matching string (catastrophic for a backtracking engine)', async () => {
    const s = `${'a'.repeat(5_000)}!`;
    for (const fn of ['re-find', 're-matches', 're-seq']) {
      expect(await q(`[:find ?m . :in ?s :where [(${fn} "^(a+)+$" ?s) ?m]]`, s)).toBeNull();
    }
    expect(await q('[:find ?m . :in ?s :where [(re-find "^(a+)+$" ?s) ?m]]', 'aaa')).toEqual(['aaa', 'aaa']);
  });

  it('keeps Clojure match shapes, JS RegExp inputs and their flags', async () => {
    expect(await q('[:find ?m . :in ?s :where [(re-find "(a)|(b)" ?s) ?m]]', 'xbx')).toEqual(['b', null, 'b']);
    expect(await q('[:find ?m . :in ?s ?re :where [(re-seq ?re ?s) ?m]]', 'A1b2', /[a-z]\d/i)).toEqual(['A1', 'b2']);
    expect(await q('[:find ?m . :in ?s ?re :where [(clojure.string/split ?s ?re) ?m]]', 'a1b22c', /\d+/)).toEqual(['a', 'b', 'c']);
    expect(await q('[:find ?m . :in ?s ?re :where [(clojure.string/replace ?s ?re "<$1>") ?m]]', 'a1b2', /(\d)/)).toBe('a<1>b<2>');
    expect(await q('[:find ?m . :where [(clojure.string/replace "a.b" "." "$&") ?m]]')).toBe('a$&b'); // a string match is literal
  });

  it('refuses what a linear-time engine cannot do, with a coded error', async () => {
    for (const re of ['"(a)\\\\1"', '"(?=a)a"']) {
      const e = await caught(q(`[:find ?m . :where [(re-find ${re} "aa") ?m]]`));
      expect(e.code).toBe('query/execution');
      expect(e.message).toContain('linear-time');
    }
  });
});
