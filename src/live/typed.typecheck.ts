// Type test (checked by `tsc -p tsconfig.json`, never executed): results typed by the caller,
// in process, through the worker client and in the React hooks; store backends as a union of
// the built-in names that still accepts any registered name.

import { api } from '../api.js';
import { liveQuery, livePull, pull, pullMany, q, type BackendName, type Connection, type Db, type LiveQuery, type StoreConfig } from '../index.js';
import type { ClientApi, ConnHandle, DbHandle } from '../../worker/protocol.js';
import { useLive, useQuery, usePull, type LiveResult } from '../react/index.js';

type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

declare const conn: Connection;
declare const d: Db;
declare const client: ClientApi;
declare const handle: ConnHandle;
declare const dbh: DbHandle;
type Row = [string, number];
interface Person {
  'person/name': string;
  'person/age'?: number;
}

export type InProcess = [
  Expect<Equal<ReturnType<typeof q<Row[]>>, Promise<Row[]>>>,
  Expect<Equal<ReturnType<typeof pull<Person>>, Promise<Person | null>>>,
  Expect<Equal<ReturnType<typeof pullMany<Person>>, Promise<(Person | null)[]>>>,
  Expect<Equal<ReturnType<typeof liveQuery<Row[]>>, LiveQuery<Row[]>>>,
  Expect<Equal<ReturnType<typeof livePull<Person>>, LiveQuery<Person | null>>>,
  Expect<Equal<ReturnType<LiveQuery<Row[]>['getSnapshot']>, Row[] | undefined>>,
];

// Calls infer nothing surprising: the type argument is the result.
const untyped = q('[:find ?n :where [_ :person/name ?n]]', d);
const rows = q<Row[]>('[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]', d);
const untypedPull = pull(d, '[*]', 1);
const first = pull<Person>(d, '[:person/name]', 1);
const live = liveQuery<Row[]>(conn, '[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]');
const viaApi = api.liveQuery<number>(conn, '[:find (count ?e) . :where [?e :person/name]]');
const remote = client.q<Row[]>('[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]', dbh);
const remotePull = client.pull<Person>(dbh, '[:person/name]', 1);
const remoteLive = client.liveQuery<Row[]>(handle, '[:find ?n ?a :where [?e :person/name ?n] [?e :person/age ?a]]');
export type Calls = [
  Expect<Equal<typeof untyped, Promise<unknown>>>,
  Expect<Equal<typeof rows, Promise<Row[]>>>,
  Expect<Equal<typeof untypedPull, Promise<Record<string, unknown> | null>>>,
  Expect<Equal<typeof first, Promise<Person | null>>>,
  Expect<Equal<typeof live, LiveQuery<Row[]>>>,
  Expect<Equal<typeof viaApi, LiveQuery<number>>>,
  Expect<Equal<typeof remote, Promise<Row[]>>>,
  Expect<Equal<typeof remotePull, Promise<Person | null>>>,
  Expect<Equal<typeof remoteLive, LiveQuery<Row[]>>>,
];

// React hooks take either engine and keep the type.
export type Hooks = [
  Expect<Equal<ReturnType<typeof useQuery<Row[], ConnHandle>>, LiveResult<Row[]>>>,
  Expect<Equal<ReturnType<typeof usePull<Person, Connection>>, LiveResult<Person | null>>>,
  Expect<Equal<ReturnType<typeof useLive<number>>, LiveResult<number>>>,
  Expect<Equal<LiveResult<number>['data'], number | undefined>>,
];
export function useHooksWithBothEngines(): void {
  useQuery<Row[]>(client, handle, '[:find ?n :where [_ :person/name ?n]]');
  useQuery<Row[]>(api, conn, '[:find ?n :where [_ :person/name ?n]]');
  // @ts-expect-error: the pattern must be a pull pattern (EDN text or an array)
  usePull(client, handle, 42, 1);
}

// Backend names: the built-ins complete in editors; any registered name is still accepted.
export type Backends = [
  Expect<Equal<'memory' extends BackendName ? true : false, true>>,
  Expect<Equal<'postgres-of-my-own' extends BackendName ? true : false, true>>,
  Expect<Equal<StoreConfig['backend'], BackendName>>,
];
export const stores: StoreConfig[] = [
  { backend: 'memory', id: 'a' },
  { backend: 'indexeddb', id: 'b' },
  { backend: 'mine', id: 'c' },
];
