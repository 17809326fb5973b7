// User regexes in queries (re-find, re-matches, re-seq, re-pattern, split, replace) run on
// re2js, a port of RE2: matching is linear in the input, so a pattern like ^(a+)+$ cannot
// backtrack catastrophically and block the worker (the JS engine takes seconds on 30 chars).
// The price is RE2's syntax: no backreferences or lookaround; such a pattern fails with
// 'query/execution'. A JS RegExp given as input is translated (its i/m/s flags kept).

import { RE2JS } from 're2js';
import { fail, show } from '../util/errors.js';

const CACHE_LIMIT = 256;
const compiled = new Map<string, RE2JS>();

/** The RE2 program of a pattern string or RegExp, compiled once per distinct source. */
export function userRegex(x: unknown, fn: string): RE2JS {
  if (!(x instanceof RegExp) && typeof x !== 'string') fail('query/execution', `${fn}: expected a regex or pattern string, got ${show(x)}`, { fn });
  const key = x instanceof RegExp ? `/${x.flags}/${x.source}` : `"${x}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(x instanceof RegExp ? RE2JS.translateRegExp(x) : x);
  } catch (e) {
    return fail(
      'query/execution',
      `${fn}: ${show(x instanceof RegExp ? x.source : x)} is not a pattern the linear-time regex engine accepts (no backreferences or lookaround): ${e instanceof Error ? e.message : show(e)}`,
      { fn, pattern: show(x) },
    );
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, re);
  return re;
}

/** The match as Clojure returns it: the string, or [whole, group1, ...] with nil for unmatched groups. */
function groups(m: ReturnType<RE2JS['matcher']>): unknown {
  const n = m.groupCount();
  if (n === 0) return m.group(0);
  return Array.from({ length: n + 1 }, (_, i) => m.group(i) ?? null);
}

export function reFind(re: RE2JS, s: string): unknown {
  const m = re.matcher(s);
  return m.find() ? groups(m) : null;
}

export function reMatches(re: RE2JS, s: string): unknown {
  const m = re.matcher(s);
  return m.matches() ? groups(m) : null;
}

export function reSeq(re: RE2JS, s: string): unknown[] | null {
  const m = re.matcher(s);
  const out: unknown[] = [];
  while (m.find()) out.push(groups(m));
  return out.length === 0 ? null : out;
}

export function reSplit(re: RE2JS, s: string): string[] {
  return re.split(s);
}

/** Replace every match; `$1`, `$&` in the replacement as in String.prototype.replace. */
export function reReplace(re: RE2JS, s: string, replacement: string): string {
  return re.matcher(s).replaceAll(replacement);
}
