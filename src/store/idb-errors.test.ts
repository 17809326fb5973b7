import { describe, expect, it } from 'vitest';
import { isCairnError } from '../util/errors.js';
import { isConnectionLost, mapIdbError, unavailableError } from './idb-errors.js';

// Node has DOMException, so the browser's failures can be simulated exactly.
const dom = (name: string, message = 'simulated') => new DOMException(message, name);

describe('IndexedDB error mapping', () => {
  const table: [string, unknown, string][] = [
    ['QuotaExceededError', dom('QuotaExceededError', 'The quota has been exceeded.'), 'store/quota'],
    ["Chrome's AbortError near quota", dom('AbortError', 'The transaction was aborted, so the request cannot be fulfilled.'), 'store/quota'],
    ['DataCloneError', dom('DataCloneError'), 'store/io'],
    ['UnknownError', dom('UnknownError', 'Internal error.'), 'store/io'],
    ['plain Error', new Error('boom'), 'store/io'],
    ['a thrown string', 'weird', 'store/io'],
  ];
  it.each(table)('%s -> %s', (_name, err, code) => {
    const mapped = mapIdbError(err, 'writing a batch', 'ref:head');
    expect(mapped.code).toBe(code);
    expect(mapped.message).toContain('"ref:head"');
    expect(mapped.data.key).toBe('ref:head');
    expect(JSON.parse(JSON.stringify(mapped.data))).toEqual(mapped.data);
  });

  it('passes CairnErrors through unchanged', () => {
    const mapped = mapIdbError(mapIdbError(dom('QuotaExceededError'), 'x'), 'y');
    expect(isCairnError(mapped, 'store/quota')).toBe(true);
  });

  const lost: [unknown, boolean][] = [
    [dom('InvalidStateError', "Failed to execute 'transaction' on 'IDBDatabase': The database connection is closing."), true],
    [dom('UnknownError', 'Connection to Indexed Database server lost. Refresh the page to try again'), true],
    [dom('AbortError', 'The connection was closed.'), true],
    [dom('InvalidStateError', 'The object store has been deleted.'), false],
    [dom('QuotaExceededError'), false],
    [dom('AbortError', 'The transaction was aborted.'), false],
  ];
  it.each(lost)('isConnectionLost(%s) = %s', (err, want) => {
    expect(isConnectionLost(err)).toBe(want);
  });

  it('a lost connection is not mistaken for quota', () => {
    expect(mapIdbError(dom('AbortError', 'The connection was closed.'), 'reading').code).toBe('store/io');
  });

  it('unavailable names the database and the cause', () => {
    const e = unavailableError(dom('SecurityError', 'access denied'), 'cairn:v1:x');
    expect(e.code).toBe('store/unavailable');
    expect(e.message).toContain('cairn:v1:x');
    expect(e.message).toContain('SecurityError');
    expect(unavailableError(undefined, 'n').message).toContain('undefined');
  });
});
