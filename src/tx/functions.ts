// Transaction functions (Datahike's `:db.fn/call` and registered functions).
//
//   [:db.fn/call f arg ...]     f: a JS function (in process), or the name of a registered one
//   [:my/fn arg ...]            a function registered with registerTxFunction('my/fn', fn)
//
// A function is called as fn(db, ...args) and returns tx data (an array, or a Promise of one); that
// data replaces the call and may call functions itself (MAX_CALLS calls per transaction at most). As in Datahike,
// `db` is the database after the tx data written before the call in the same transaction (a
// speculative withDb of that prefix), so two calls in one transaction see each other's effects. Whatever it throws fails the transaction: a
// CairnError as it is, anything else as 'transact/fn' with its message. Names are looked up in
// the registry only, so tx data written as EDN text can call registered code but never evaluate
// text. Names in the db namespaces (db/..., db.fn/..., db.purge/...) are reserved.

import type { Db } from '../db/types.js';
import { CairnError, fail, isCairnError, show } from '../util/errors.js';
import { andThen as then, type MaybePromise } from '../util/maybe.js';

/**
 * fn(db, ...args): the args are whatever the tx data holds, so `unknown` until the function
 * annotates them. Written as a method type because method parameters are compared bivariantly:
 * a function declaring `(db: Db, from: string, amount: number)` is accepted as it is.
 */
export type TxFunction = { call(db: Db, ...args: unknown[]): unknown }['call'];

const registry = new Map<string, TxFunction>();
const MAX_CALLS = 1000;
const CALL = 'db.fn/call';

const bare = (s: string): string => (s.charCodeAt(0) === 58 ? s.slice(1) : s);
const reserved = (name: string): boolean => name === 'db' || /^db(\.[^/]*)?\//.test(name);

/** Register `fn` under `name` ('my/fn', colon optional) for tx data to call as [:my/fn args...]. */
export function registerTxFunction(name: string, fn: TxFunction): void {
  if (typeof name !== 'string' || bare(name) === '') fail('config/invalid', `registerTxFunction needs a name like 'my/fn', got ${show(name)}`);
  if (typeof fn !== 'function') fail('config/invalid', `registerTxFunction(${show(name)}) needs a function, got ${show(fn)}`);
  if (reserved(bare(name))) fail('config/invalid', `${show(name)} is reserved for CairnDB's own operations: pick a name outside the db namespaces`, { name });
  registry.set(bare(name), fn);
}

/** Whether a tx item calls a transaction function (one whose name is not registered counts too). */
export function isCall(item: unknown): boolean {
  try {
    return callOf(item) !== null;
  } catch {
    return true;
  }
}

/** The function a tx item calls, with its arguments; null for every other item. */
function callOf(item: unknown): { name: string; fn: TxFunction; args: unknown[] } | null {
  if (!Array.isArray(item) || typeof item[0] !== 'string') return null;
  const head = bare(item[0]);
  if (head === CALL) {
    const f = item[1];
    if (typeof f === 'function') return { name: f.name || 'anonymous function', fn: f as TxFunction, args: item.slice(2) };
    const named = typeof f === 'string' ? registry.get(bare(f)) : undefined;
    if (named === undefined) {
      throw new CairnError('transact/fn', `${CALL} needs a function or the name of a registered one, got ${show(f)} in ${show(item)}`, { fn: show(f) });
    }
    return { name: bare(f as string), fn: named, args: item.slice(2) };
  }
  const fn = registry.get(head);
  return fn === undefined ? null : { name: head, fn, args: item.slice(1) };
}

/** The database a call sees: `before` with the expanded tx data written ahead of it applied. */
export type DbAfter = (prefix: readonly unknown[]) => MaybePromise<Db>;

/** Replace every function call in `items` by the tx data it returns (recursively, in order). */
export function expandTxFunctions(dbAfter: DbAfter, items: readonly unknown[]): MaybePromise<readonly unknown[]> {
  if (!items.some((x) => callOf(x) !== null)) return items;
  return expandFrom(dbAfter, [], items, 0, 0);
}

function expandFrom(dbAfter: DbAfter, done: unknown[], rest: readonly unknown[], i: number, depth: number): MaybePromise<unknown[]> {
  for (; i < rest.length; i++) {
    const call = callOf(rest[i]);
    if (call === null) {
      done.push(rest[i]);
      continue;
    }
    if (depth >= MAX_CALLS)
      throw new CairnError('transact/fn', `more than ${MAX_CALLS} transaction function calls in one transaction (does one call itself forever?)`, {
        calls: depth,
      });
    const next = i + 1;
    // the returned data goes where the call was, ahead of the rest, and is expanded in turn
    return then(
      then(dbAfter(done), (db) => invoke(db, call)),
      (data) => expandFrom(dbAfter, done, [...data, ...rest.slice(next)], 0, depth + 1),
    );
  }
  return done;
}

function invoke(db: Db, call: { name: string; fn: TxFunction; args: unknown[] }): MaybePromise<readonly unknown[]> {
  const failed = (e: unknown): never => {
    if (isCairnError(e)) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new CairnError('transact/fn', `transaction function ${call.name} failed: ${message}`, { fn: call.name, message }, { cause: e });
  };
  const checked = (data: unknown): readonly unknown[] => {
    if (!Array.isArray(data))
      throw new CairnError('transact/fn', `transaction function ${call.name} must return tx data (an array), got ${show(data)}`, { fn: call.name });
    return data;
  };
  let r: unknown;
  try {
    r = call.fn(db, ...call.args);
  } catch (e) {
    return failed(e);
  }
  return r instanceof Promise ? r.then(checked, failed) : checked(r);
}
