// The device's check of what the server sends: every message type with its fields, or
// sync/protocol (the device then drops the connection and tries again).
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, checkServerMessage } from './wire.js';

const head = { commit: 'c1', t: 536870913 };
const VALID = [
  { type: 'welcome', protocol: 2, db: 'tasks', head, limits: DEFAULT_LIMITS },
  { type: 'head', ...head, record: new Uint8Array(1) },
  { type: 'records', id: 3, values: [new Uint8Array(2), null] },
  {
    type: 'pushed',
    id: 4,
    results: [
      { id: 'a', t: 5 },
      { id: 'b', duplicate: true, t: 4 },
      { id: 'c', error: { code: 'transact/cas', message: 'no', data: {} } },
    ],
  },
  { type: 'pong', id: 5 },
  { type: 'error', id: 0, error: { code: 'sync/forbidden', message: 'no', data: {} } },
];
const MALFORMED = [
  { type: 'welcome', protocol: 2, db: 'tasks', head, limits: { maxMessageBytes: 1 } },
  { type: 'welcome', protocol: 2, db: 'tasks', head: { commit: 1, t: 2 }, limits: DEFAULT_LIMITS },
  { type: 'head', commit: 'c1', t: 'soon' },
  { type: 'records', id: 3, values: ['x'] },
  { type: 'records', id: 0, values: [] },
  { type: 'pushed', id: 4, results: 'garbled' },
  { type: 'pushed', id: 4, results: [{ id: 'a', error: 'garbled' }] },
  { type: 'pushed', id: 4, results: [{ id: 'a', t: -1 }] },
  { type: 'pushed', id: 4, results: [{ id: 'a', t: 1, duplicate: 'yes' }] },
  { type: 'pong', id: 1.5 },
  { type: 'error', id: 2, error: { code: 7 } },
  { type: 'hello', id: 1 },
];

describe('checkServerMessage', () => {
  it.each(VALID.map((m) => [m.type, m]))('takes a well-formed %s', (_type, m) => {
    expect(checkServerMessage(m)).toBe(m);
  });
  it.each(MALFORMED.map((m) => [JSON.stringify(m), m]))('refuses %s with sync/protocol', (_text, m) => {
    expect(() => checkServerMessage(m)).toThrow(expect.objectContaining({ code: 'sync/protocol' }));
  });
});
