import { expect, it } from 'vitest';

it('runs in real Chromium with IndexedDB available', async () => {
  expect(navigator.userAgent).toMatch(/Chrome/);
  const req = indexedDB.open('cairn-smoke', 1);
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  expect(db.name).toBe('cairn-smoke');
  db.close();
});
