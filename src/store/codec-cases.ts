// Values the codec must round-trip, shared by the Node and the Chromium codec tests (msgpackr
// takes different paths with and without Node's Buffer).

/** [name, value] pairs; a fresh list each call, so tests may not disturb each other. */
export function roundTripCases(): [string, unknown][] {
  return [
    ['string', 'héllo ☃ 𝄞'],
    ['empty string', ''],
    ['integer', 42],
    ['negative', -7],
    ['large safe integer', Number.MAX_SAFE_INTEGER],
    ['beyond 32 bits', 2 ** 40 + 3],
    ['float', 3.141592653589793],
    ['tiny float', 5e-324],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['-0', -0],
    ['0', 0],
    ['small bigint', 5n],
    ['negative bigint', -5n],
    ['bigint 2^63', 2n ** 63n],
    ['bigint 2^64 - 1', 2n ** 64n - 1n],
    ['bigint 2^64', 2n ** 64n],
    ['bigint -2^63 - 1', -(2n ** 63n) - 1n],
    ['huge bigint', 3n ** 300n],
    ['huge negative bigint', -(7n ** 200n)],
    ['true', true],
    ['false', false],
    ['null', null],
    ['Date', new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123))],
    ['old Date', new Date(-1e13)],
    ['far Date', new Date(8.64e15)],
    ['bytes', new Uint8Array([0, 1, 2, 255])],
    ['empty bytes', new Uint8Array(0)],
    ['array', [1, 'two', [3n, null], -0]],
    ['empty array', []],
    ['object', { a: 1, b: { c: [true, new Date(0)] }, 'with/slash': 's' }],
    ['empty object', {}],
    ['__proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "x": 1}')],
    ['marker-looking key', { '\u0000~': [1, 0], y: 2 }],
    [
      'datom-like',
      [
        [1, 'person/name', 'Ann', 536870913, true],
        [2, 'person/age', 30n, 536870913, false],
      ],
    ],
  ];
}
