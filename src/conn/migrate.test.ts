// The export's one error of its own: a value an older CairnDB let into a schema-on-read database
// (an object, which list-form db/add accepted) has no form in a Datahike dump. It is refused
// with migrate/format naming the datom, not a plain error from the CBOR writer.

import { describe, expect, it } from 'vitest';
import { DbValue } from '../db/db.js';
import { emptyDb } from '../db/parts.js';
import { replayTail } from './commit.js';
import { exportDb } from './migrate.js';
import { CairnError } from '../util/errors.js';

describe('exportDb', () => {
  it('refuses a value with no dump form with migrate/format, naming its attribute and entity', async () => {
    const base = emptyDb({ schemaFlexibility: 'read' }) as DbValue;
    const d = replayTail(base, [[7, 'u/v', { a: 1 } as never, 536870913, 1]]);
    const err = await exportDb(d, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('migrate/format');
    expect((err as CairnError).message).toMatch(/the value of u\/v on entity 7 cannot be written in a dump/);
  });
});
