import { describe, expect, it } from 'vitest';
import { kw as engineKw } from '../src/index.js';
import { kw } from './kw.js';

describe('client kw answers as the engine kw', () => {
  it.each(['status/active', ':status/active', 'a', 'ns.sub/name', '::odd'])('%s', (name) => {
    expect(kw(name)).toBe(engineKw(name));
  });
  it.each(['', ':', 42 as unknown as string, null as unknown as string])('rejects %s like the engine', (bad) => {
    let engineCode: string | undefined;
    try {
      engineKw(bad);
    } catch (e) {
      engineCode = (e as { code?: string }).code;
    }
    expect(engineCode).toBeDefined();
    expect(() => kw(bad)).toThrow(expect.objectContaining({ code: engineCode }));
  });
});
