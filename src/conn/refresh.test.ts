// A connection told "the head moved" while it is already re-reading the head must re-read it
// once more: the read in flight may predate the commit it was just told about. Without that,
// the notification is lost and the connection (and its listeners) stay behind until the next
// one — found by the multi-process PostgreSQL test, shown here deterministically.
import { expect, it } from 'vitest';
import { connect, createDatabase, listen, registerBackend, release, transact } from '../api.js';
import { createMemoryBackend } from '../store/memory.js';
import type { Backend, Store } from '../store/types.js';
import { HEAD_KEY } from './commit.js';

/** A memory backend whose stores offer `watch` (fired by hand) and can hold head reads. */
function gatedBackend() {
  const inner = createMemoryBackend();
  const watchers = new Set<() => void>();
  const gate = { closed: false, skip: 0, release: () => {}, reached: () => {} };
  let opened: Promise<void> = Promise.resolve();
  let reached: Promise<void> = Promise.resolve();
  /** Hold the head read after the next `skip` ones. */
  const close = (skip: number) => {
    gate.closed = true;
    gate.skip = skip;
    opened = new Promise<void>(
      (r) =>
        (gate.release = () => {
          gate.closed = false;
          r();
        }),
    );
    reached = new Promise<void>((r) => (gate.reached = r));
  };
  let watchable = false; // only stores connected after `watchNext()`: the reader's
  const wrap = (s: Store, watched = watchable): Store => ({
    async get(key) {
      const v = await s.get(key); // read now…
      if (watched && key === HEAD_KEY && gate.closed && gate.skip-- <= 0) {
        gate.reached();
        await opened; // …answer later: the answer is stale if someone commits meanwhile
      }
      return v;
    },
    getMany: (ks) => s.getMany(ks),
    putBatch: (e, o) => s.putBatch(e, o),
    deleteMany: (ks) => s.deleteMany(ks),
    keys: () => s.keys(),
    close: () => s.close(),
    ...(watched
      ? {
          watch(cb: () => void) {
            watchers.add(cb);
            return () => void watchers.delete(cb);
          },
        }
      : {}),
  });
  const backend: Backend = {
    create: async (c) => wrap(await inner.create(c)),
    connect: async (c) => wrap(await inner.connect(c)),
    exists: (c) => inner.exists(c),
    delete: (c) => inner.delete(c),
  };
  return {
    backend,
    watchNext: () => (watchable = true),
    notify: () => {
      for (const w of [...watchers]) w();
    },
    close,
    reached: () => reached,
    release: () => gate.release(),
  };
}

it('a change notified during a head re-read is not lost', async () => {
  const g = gatedBackend();
  registerBackend('gated', g.backend);
  const config = { store: { backend: 'gated', id: 'refresh' } };
  await createDatabase(config);
  const writer = await connect(config, { shared: false });
  await transact(writer, [{ 'db/ident': 'item/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' }]);
  g.watchNext();
  const reader = await connect(config, { shared: false });
  const heard: string[] = [];
  let wake: () => void = () => {};
  listen(reader, (r) => {
    for (const d of r.txData) if (d.a === 'item/name') heard.push(String(d.v));
    wake();
  });
  const hear = async (name: string) => {
    while (!heard.includes(name)) await new Promise<void>((r) => (wake = r));
  };

  await transact(writer, [{ 'item/name': 'one' }]);
  // The reader's re-read: it reads the head (moved: "one"), then reloads, reading the head
  // again — held there, answering "one" after "two" has committed.
  g.close(1);
  g.notify();
  await g.reached();
  await transact(writer, [{ 'item/name': 'two' }]); // commits while that read is in flight
  g.notify(); // "moved again", arriving while the first re-read is still running
  g.release();
  await hear('two');
  expect(heard).toEqual(['one', 'two']);
  await release(reader);
  await release(writer);
});
