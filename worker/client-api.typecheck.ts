// Type test (checked by `tsc -p tsconfig.json`, never executed): the client's API is the
// in-process API with Connection/Db as handles and TxReport's Db values as handles — same
// names, same arguments — and nothing else is missing. `entity` is in-process only and is not
// part of EngineApi. If EngineApi changes, these lines (or client.ts / host.ts) stop compiling.

import type { Config, Datom, EngineApi, IndexName, LiveQuery, TxReport } from '../src/engine.js';
import type { openWorker } from './client.js';
import type { ClientApi, ConnHandle, DbHandle, RemoteTxReport, WorkerApi } from './protocol.js';

type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Client = ReturnType<typeof openWorker>;
type Extras = 'ready' | 'close' | 'storageInfo' | 'requestPersistence' | 'workerCounts' | 'syncStatus' | 'onSync' | 'withCallOptions';

// 1. The same names as the in-process API, plus only the client lifecycle extras.
export type NamesMatch = Expect<Equal<Exclude<keyof Client, Extras>, keyof EngineApi>>;
export type ClientIsClientApi = Expect<Equal<Client, ClientApi>>;

// 2. Same parameter lists where no Connection/Db/TxReport is involved.
export type SameArgs = [
  Expect<Equal<Parameters<Client['q']>, Parameters<EngineApi['q']>>>,
  Expect<Equal<Parameters<Client['createDatabase']>, Parameters<EngineApi['createDatabase']>>>,
  Expect<Equal<Parameters<Client['deleteDatabase']>, Parameters<EngineApi['deleteDatabase']>>>,
  Expect<Equal<Parameters<Client['databaseExists']>, Parameters<EngineApi['databaseExists']>>>,
  Expect<Equal<Parameters<Client['connect']>, Parameters<EngineApi['connect']>>>,
  Expect<Equal<Parameters<Client['kw']>, Parameters<EngineApi['kw']>>>,
];

// 3. Same results where no Connection/Db/TxReport is involved.
export type SameResults = [
  Expect<Equal<ReturnType<Client['q']>, ReturnType<EngineApi['q']>>>,
  Expect<Equal<ReturnType<Client['pull']>, ReturnType<EngineApi['pull']>>>,
  Expect<Equal<ReturnType<Client['pullMany']>, ReturnType<EngineApi['pullMany']>>>,
  Expect<Equal<ReturnType<Client['datoms']>, Promise<Datom[]>>>,
  Expect<Equal<ReturnType<Client['schema']>, ReturnType<EngineApi['schema']>>>,
  Expect<Equal<ReturnType<Client['gcStorage']>, ReturnType<EngineApi['gcStorage']>>>,
  Expect<Equal<ReturnType<Client['databaseExists']>, Promise<boolean>>>,
];

// 4. Connection and Db are handles; sync stays sync; async stays async.
export type Handles = [
  Expect<Equal<ReturnType<Client['connect']>, Promise<ConnHandle>>>,
  Expect<Equal<ReturnType<Client['db']>, DbHandle>>,
  Expect<Equal<Parameters<Client['db']>, [conn: ConnHandle]>>,
  Expect<Equal<ReturnType<Client['history']>, DbHandle>>,
  Expect<Equal<Parameters<Client['asOf']>, [db: DbHandle, t: number | Date]>>,
  Expect<Equal<Parameters<Client['datoms']>, [db: DbHandle, index: IndexName, ...components: unknown[]]>>,
  Expect<Equal<ReturnType<Client['transact']>, Promise<RemoteTxReport>>>,
  Expect<Equal<ReturnType<Client['withDb']>, Promise<RemoteTxReport>>>,
  Expect<Equal<ReturnType<Client['listen']>, () => void>>,
  Expect<Equal<Parameters<Parameters<Client['listen']>[1]>[0], RemoteTxReport>>,
  // live queries return their subscribable synchronously, typed by the caller
  Expect<Equal<ReturnType<Client['liveQuery']>, LiveQuery<unknown>>>,
  Expect<Equal<ReturnType<typeof client.liveQuery<[string][]>>, LiveQuery<[string][]>>>,
  Expect<Equal<ReturnType<typeof client.livePull<{ name: string }>>, LiveQuery<{ name: string } | null>>>,
  Expect<Equal<ReturnType<typeof client.q<number>>, Promise<number>>>,
  Expect<Equal<Parameters<Client['liveQuery']>[0], ConnHandle>>,
];
declare const client: Client;

// 5. A remote report is a TxReport with handles in place of Db values, nothing else changed.
export type ReportShape = [
  Expect<Equal<Exclude<keyof RemoteTxReport, 'dbBefore' | 'dbAfter'>, Exclude<keyof TxReport, 'dbBefore' | 'dbAfter'>>>,
  Expect<Equal<RemoteTxReport['tempids'], TxReport['tempids']>>,
  Expect<Equal<RemoteTxReport['dbAfter'], DbHandle>>,
];

// 6. Every async engine function is on the worker surface with the client's arguments.
type Async = Exclude<keyof EngineApi, 'db' | 'history' | 'asOf' | 'since' | 'kw' | 'listen' | 'connect' | 'liveQuery' | 'livePull'>;
export type WorkerCovers = [
  Expect<Equal<Exclude<Async, keyof WorkerApi>, never>>,
  Expect<Equal<Parameters<WorkerApi['transact']>, Parameters<Client['transact']>>>,
  Expect<Equal<Parameters<WorkerApi['connect']>[0], Config>>,
];

// 7. The coordination seam offered here is exactly the one src/conn accepts.
import type { Coordinator as ConnCoordinator, HeadAnnouncement as ConnHead } from '../src/index.js';
import type { Coordinator, HeadAnnouncement } from './coordination.js';
export type SameSeam = [Expect<Equal<Coordinator, ConnCoordinator>>, Expect<Equal<HeadAnnouncement, ConnHead>>];
