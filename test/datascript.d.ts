// Types for the parts of npm `datascript` (ClojureScript build, no bundled types) that the
// differential tests and benchmarks use. Attributes are plain strings in its JS API.
declare module 'datascript' {
  type DsDb = { readonly __dsDb: unique symbol };
  type DsConn = { readonly __dsConn: unique symbol };
  const ds: {
    empty_db(schema?: Record<string, unknown>): DsDb;
    db_with(db: DsDb, txData: readonly unknown[]): DsDb;
    create_conn(schema?: Record<string, unknown>): DsConn;
    conn_from_db(db: DsDb): DsConn;
    db(conn: DsConn): DsDb;
    transact(conn: DsConn, txData: readonly unknown[], txMeta?: unknown): unknown;
    q(query: string, ...inputs: unknown[]): any;
    pull(db: DsDb, pattern: string, eid: unknown): any;
    pull_many(db: DsDb, pattern: string, eids: readonly unknown[]): any;
    datoms(db: DsDb, index: string, ...components: unknown[]): any;
    serializable(db: DsDb): unknown;
    from_serializable(data: unknown): DsDb;
  };
  export default ds;
}
