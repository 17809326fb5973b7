// The query tests' oracle Db is the shared one (src/db/testing/fixture-db.ts); this path stays
// so query tests written against it keep working.
export { fixtureDb, roundTrips, type FixtureAttr, type FixtureDb, type Gate } from '../../db/testing/fixture-db.js';
