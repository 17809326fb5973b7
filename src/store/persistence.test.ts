import { afterEach, expect, it, vi } from 'vitest';
import { requestPersistence, storageEstimate } from './persistence.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

it('degrades to undefined / false without navigator.storage', async () => {
  vi.stubGlobal('navigator', undefined);
  expect(await storageEstimate()).toEqual({ usage: undefined, quota: undefined, persisted: undefined });
  expect(await requestPersistence()).toBe(false);
});

it('passes the StorageManager answers through, and a refusal as false', async () => {
  vi.stubGlobal('navigator', {
    storage: {
      estimate: async () => ({ usage: 10, quota: 100 }),
      persisted: async () => true,
      persist: async () => {
        throw new Error('denied');
      },
    },
  });
  expect(await storageEstimate()).toEqual({ usage: 10, quota: 100, persisted: true });
  expect(await requestPersistence()).toBe(false);
});
