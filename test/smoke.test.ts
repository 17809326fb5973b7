import { describe, expect, it } from 'vitest';
import { CairnError, isCairnError } from '../src/util/errors.js';

describe('CairnError', () => {
  it('carries code, message and JSON-safe data', () => {
    const e = new CairnError('transact/unique', 'Unique conflict on person/email "a@b.c"', { attr: 'person/email' });
    expect(isCairnError(e, 'transact/unique')).toBe(true);
    expect(isCairnError(e, 'query/parse')).toBe(false);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'CairnError', code: 'transact/unique', message: e.message, data: { attr: 'person/email' } });
  });
});
