// storageInfo(conn) through the real client and host, over a MessageChannel with the real
// engine (memory store): the size of the connection's store crosses the boundary.
import { afterEach, expect, it } from 'vitest';
import { api as engine } from '../src/api.js';

import { channelClient, closeChannels } from './testing/channel.js';

afterEach(closeChannels);

it("storageInfo(conn) reports the keys and bytes of that connection's store", async () => {
  const cairn = channelClient(engine);
  const config = { store: { backend: 'memory', id: 'storage-info' } };
  await cairn.createDatabase(config);
  const conn = await cairn.connect(config);
  const before = await cairn.storageInfo(conn);
  expect(before.store).toMatchObject({ keys: expect.any(Number), bytes: expect.any(Number) });
  await cairn.transact(conn, [{ 'db/ident': 'note/text', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  // A small commit rewrites only the head; one that outgrows a tail chunk adds records.
  await cairn.transact(
    conn,
    Array.from({ length: 100 }, (_, i) => ({ 'note/text': `n${i}` })),
  );
  const after = await cairn.storageInfo(conn);
  expect(after.store!.keys).toBeGreaterThan(before.store!.keys);
  expect(after.store!.bytes).toBeGreaterThan(before.store!.bytes);
  expect((await cairn.storageInfo()).store).toBeUndefined();
  await cairn.release(conn);
});
