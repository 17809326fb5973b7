import { afterAll } from 'vitest';
import pg from 'pg';
import { pgServerUrl } from '../../test/pg-server.js';
import { runStoreContract } from './contract.js';
import { createPostgresBackend } from './postgresql.js';

const url = await pgServerUrl();
const backend = createPostgresBackend();
runStoreContract('postgresql', { backend: () => backend, config: (id) => ({ backend: 'postgresql', id, connection: url, table: 'cairndb_contract' }) });

const pool = new pg.Pool({ connectionString: url, max: 2 });
afterAll(() => pool.end());
runStoreContract('postgresql (given pool, schema-qualified table)', { backend: () => backend, config: (id) => ({ backend: 'postgresql', id, pool, table: 'public.cairndb_contract_pool' }) });
