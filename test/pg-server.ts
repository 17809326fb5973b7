// The PostgreSQL server the tests use: `CAIRNDB_PG_URL` when set (CI and `npm test` start one
// with scripts/pg-cluster.mjs), else a throwaway cluster this test file starts and stops
// itself. With neither, the test file fails loudly: PostgreSQL tests are never skipped.
import { afterAll } from 'vitest';
import { startCluster, stopCluster } from '../scripts/pg-cluster.mjs';

export async function pgServerUrl(): Promise<string> {
  const given = process.env['CAIRNDB_PG_URL'];
  if (given !== undefined && given !== '') return given;
  let cluster: { url: string; dir: string };
  try {
    cluster = await startCluster();
  } catch (e) {
    throw new Error(
      `the PostgreSQL tests need a server: set CAIRNDB_PG_URL=postgres://user@host:port/db, or install PostgreSQL (initdb and pg_ctl; Debian: apt-get install postgresql). ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  afterAll(() => stopCluster(cluster.dir));
  return cluster.url;
}
