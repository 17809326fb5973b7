import { expect, it } from 'vitest';
import { requestPersistence, storageEstimate } from './persistence.js';

it('reports usage and quota from navigator.storage in Chromium', async () => {
  const est = await storageEstimate();
  expect(typeof est.usage).toBe('number');
  expect(typeof est.quota).toBe('number');
  expect(est.quota!).toBeGreaterThan(0);
  expect(typeof est.persisted).toBe('boolean');
  expect(typeof (await requestPersistence())).toBe('boolean');
});
