// `cairndb/react`: hooks over live queries, for the in-process engine and the worker client
// alike (both offer `liveQuery` / `livePull`). Built on `useSyncExternalStore`; React is an
// optional peer dependency, imported only by this entry.
//
//   const { data, error, loading } = useQuery(client, conn, '[:find ?t :where [_ :todo/title ?t]]');
//
// The live query is made during render, which is safe because it does no work until React
// subscribes; it is made again only when `api`, `conn` (by identity) or the query and inputs
// (by content) change, so inline arrays and strings do not restart it on every render.

import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { EngineApi, EntityRef, PullPattern, Query, QueryMap } from '../engine.js';
import { sameValue } from '../live/equal.js';
import type { LiveQuery, LiveState } from '../live/subscribable.js';

/** What the hooks need from an engine: `cairndb`'s `api` or the client from `openWorker()`. */
export type LiveApi<C> = Pick<EngineApi<C>, 'liveQuery' | 'livePull'>;

export interface LiveResult<T> {
  /** The latest result; undefined while loading. */
  readonly data: T | undefined;
  /** The latest error (cleared by the next result); undefined when none. */
  readonly error: unknown;
  /** True until the first result or error arrives. */
  readonly loading: boolean;
}

const IDLE: LiveState<never> = /* @__PURE__ */ Object.freeze({ value: undefined, error: undefined, loading: true });
const noop = (): void => {};

/** Subscribe a component to a live query (or nothing, while `live` is null). */
export function useLive<T>(live: LiveQuery<T> | null | undefined): LiveResult<T> {
  const subscribe = useCallback((changed: () => void) => (live ? live.subscribe(changed, changed) : noop), [live]);
  const snapshot = (): LiveState<T> => (live ? live.getState() : IDLE);
  const state = useSyncExternalStore(subscribe, snapshot, snapshot);
  return { data: state.value, error: state.error, loading: state.loading };
}

/** The same live query across renders while its key (api, conn, then arguments by content) holds. */
function useStable<T>(key: readonly unknown[], make: () => LiveQuery<T>): LiveQuery<T> {
  const ref = useRef<{ key: readonly unknown[]; live: LiveQuery<T> } | null>(null);
  const cur = ref.current;
  const same =
    cur !== null && cur.key.length === key.length && cur.key[0] === key[0] && cur.key[1] === key[1] && key.every((k, i) => i < 2 || sameValue(k, cur.key[i]));
  if (!same) ref.current = { key, live: make() };
  return ref.current!.live;
}

/** A query result that stays up to date: `{ data, error, loading }`. */
export function useQuery<T = unknown, C = unknown>(api: LiveApi<C>, conn: C, query: Query | QueryMap, ...inputs: unknown[]): LiveResult<T> {
  return useLive(useStable<T>([api, conn, query, ...inputs], () => api.liveQuery<T>(conn, query, ...inputs)));
}

/** A pull result that stays up to date: `{ data, error, loading }` (data null: no such entity). */
export function usePull<T = Record<string, unknown>, C = unknown>(api: LiveApi<C>, conn: C, pattern: PullPattern, eid: EntityRef): LiveResult<T | null> {
  return useLive(useStable<T | null>([api, conn, pattern, eid], () => api.livePull<T>(conn, pattern, eid)));
}

export type { LiveQuery, LiveState } from '../live/subscribable.js';
