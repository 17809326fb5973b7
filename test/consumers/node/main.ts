// A Node program using the published package: the engine in process, over the memory store
// and the file store (Node-only code the package reaches through its `node` export condition).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError, connect, createDatabase, db, q, release, transact, type Connection, type Datom } from 'cairndb';

const config = { store: { backend: 'memory', id: 'consumer' } };
await createDatabase(config);
const conn: Connection = await connect(config);
await transact(conn, [{ 'db/ident': 'greeting/text', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
const report = await transact(conn, [{ 'greeting/text': 'hello from node' }]);
const datoms: Datom[] = report.txData;
// typed results: the type argument is the result type (checked under nodenext, node16 and bundler)
const texts: string[] = await q<string[]>('[:find [?t ...] :where [_ :greeting/text ?t]]', db(conn));
let code = '';
try {
  await transact(conn, [{ 'greeting/unknown': 1 }]);
} catch (e) {
  if (e instanceof CairnError) code = e.code;
}
await release(conn);

const dir = mkdtempSync(join(tmpdir(), 'cairndb-consumer-'));
const onDisk = { store: { backend: 'file', id: 'consumer', path: dir } };
await createDatabase(onDisk);
const fileConn = await connect(onDisk);
await transact(fileConn, [{ 'db/ident': 'greeting/text', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
await release(fileConn);
const reopened = await connect(onDisk);
const fileTexts = await q('[:find [?a ...] :where [?e :db/ident ?a] [(= ?a :greeting/text)]]', db(reopened));
await release(reopened);
rmSync(dir, { recursive: true, force: true });

// The declarations are real types, not `any`: a wrong call does not compile.
// @ts-expect-error a string is not a connection, a number not tx data
export const wrong = (): unknown => transact('not a connection', 42);

console.log(JSON.stringify({ texts, datoms: datoms.length, code, fileTexts }));
