// The cross-tab coordinator in real Chromium: Web Locks and BroadcastChannel (two coordinators
// in one page stand for two tabs: the lock and the channel are origin-wide either way).
import { describe, expect, it } from 'vitest';
import { browserCoordination, lockName, type HeadAnnouncement } from './coordination.js';

const store = (id: string) => ({ backend: 'indexeddb', id });
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Resolve once `cb` has been called `n` times, with the calls. */
function collect(n: number): { cb: (h: HeadAnnouncement | null) => void; done: Promise<(HeadAnnouncement | null)[]> } {
  const got: (HeadAnnouncement | null)[] = [];
  let resolve!: (x: (HeadAnnouncement | null)[]) => void;
  const done = new Promise<(HeadAnnouncement | null)[]>((r) => (resolve = r));
  return {
    cb: (h) => {
      got.push(h);
      if (got.length === n) resolve(got);
    },
    done,
  };
}

describe('browser coordination', () => {
  it('announces a commit to the other connections of the same database, not to itself or others', async () => {
    const { factory } = browserCoordination();
    const a = factory(store('db1'));
    const b = factory(store('db1'));
    const other = factory(store('db2'));
    const heardA: unknown[] = [];
    const heardOther: unknown[] = [];
    a.onRemoteCommit((h) => heardA.push(h));
    other.onRemoteCommit((h) => heardOther.push(h));
    const inB = collect(1);
    b.onRemoteCommit(inB.cb);
    a.announce({ basisT: 536870915, head: 'c-42' });
    expect(await inB.done).toEqual([{ basisT: 536870915, head: 'c-42' }]);
    await tick();
    expect(heardA).toEqual([]);
    expect(heardOther).toEqual([]);
    for (const c of [a, b, other]) c.close();
  });

  it('announces from a task of its own: the commits of one task as one message, the latest; close sends a pending one', async () => {
    const { factory } = browserCoordination();
    const [a, b] = [factory(store('db-batched')), factory(store('db-batched'))];
    const heard: (HeadAnnouncement | null)[] = [];
    b.onRemoteCommit((h) => heard.push(h));
    a.announce({ basisT: 1, head: 'h1' });
    a.announce({ basisT: 2, head: 'h2' });
    await tick(50);
    expect(heard).toEqual([{ basisT: 2, head: 'h2' }]);
    a.announce({ basisT: 3, head: 'h3' });
    a.close();
    await tick(50);
    expect(heard).toEqual([
      { basisT: 2, head: 'h2' },
      { basisT: 3, head: 'h3' },
    ]);
    b.close();
  });

  it('stops delivering after close', async () => {
    const { factory } = browserCoordination();
    const a = factory(store('db-close'));
    const b = factory(store('db-close'));
    const heard: unknown[] = [];
    b.onRemoteCommit((h) => heard.push(h));
    b.close();
    a.announce({ basisT: 1 });
    await tick(50);
    expect(heard).toEqual([]);
    a.close();
  });

  /** Make every coordinator hear another's commit: from then on their sections take the lock. */
  async function contend(cs: { announce(h: HeadAnnouncement): void; onRemoteCommit(cb: (h: HeadAnnouncement | null) => void): () => void }[]): Promise<void> {
    const heard = cs.map(() => collect(1));
    cs.forEach((c, i) => c.onRemoteCommit(heard[i]!.cb));
    cs[0]!.announce({ basisT: 1 });
    cs[1]!.announce({ basisT: 2 });
    await Promise.all(heard.map((h) => h.done));
  }

  it('serialises write sections across coordinators of one database once they hear each other', async () => {
    const { factory } = browserCoordination();
    const cs = [factory(store('db-lock')), factory(store('db-lock')), factory(store('db-lock'))];
    await contend(cs);
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      cs.flatMap((c, i) =>
        [0, 1].map((j) =>
          c.withWriteLock(async () => {
            inside++;
            maxInside = Math.max(maxInside, inside);
            await tick(5);
            order.push(i * 10 + j);
            inside--;
          }),
        ),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toHaveLength(6);
    // a different database does not wait for this one's lock
    let release!: () => void;
    let heldDone = false;
    const held = navigator.locks.request(lockName(store('db-lock')), () => new Promise<void>((r) => (release = r))).then(() => (heldDone = true));
    await tick();
    const free = [factory(store('db-free')), factory(store('db-free'))];
    await contend(free); // so it does take its own lock
    await free[0]!.withWriteLock(async () => {});
    expect(heldDone).toBe(false);
    release();
    await held;
    for (const c of [...cs, ...free]) c.close();
  });

  it('a writer that heard of no other commits without the Web Lock, one section at a time; with it while others commit', async () => {
    const { factory } = browserCoordination({ contendedMs: 200 });
    const [a, b] = [factory(store('db-quiet')), factory(store('db-quiet'))];
    const lockHeld = async () => ((await navigator.locks.query()).held ?? []).some((l) => l.name === lockName(store('db-quiet')));
    let inside = 0;
    let maxInside = 0;
    const seen: boolean[] = [];
    const section = () =>
      a.withWriteLock(async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        seen.push(await lockHeld());
        await tick(5);
        inside--;
      });
    await Promise.all([section(), section(), section()]);
    expect(seen).toEqual([false, false, false]); // alone: no lock
    expect(maxInside).toBe(1); // but never two sections of one connection at once
    const heard = collect(1);
    a.onRemoteCommit(heard.cb);
    b.announce({ basisT: 7 });
    await heard.done;
    seen.length = 0;
    await section();
    expect(seen).toEqual([true]); // another writer is active: the lock
    await tick(250);
    seen.length = 0;
    await section();
    expect(seen).toEqual([false]); // quiet again
    a.close();
    b.close();
  });

  it('a writer whose compare-and-set lost takes the lock for its retry, and has the others take it', async () => {
    const { factory } = browserCoordination({ contendedMs: 5_000 });
    const [a, b] = [factory(store('db-race')), factory(store('db-race'))];
    b.onRemoteCommit(() => {});
    const lockHeld = async () => ((await navigator.locks.query()).held ?? []).some((l) => l.name === lockName(store('db-race')));
    const seen: boolean[] = [];
    const order: string[] = [];
    let bDone: Promise<void> | undefined;
    await a.withWriteLock(async () => {
      seen.push(await lockHeld()); // alone so far: no lock
      await a.contended!(); // lost a race: the rest of this section holds the lock
      seen.push(await lockHeld());
      await tick(50); // b hears of it
      bDone = b.withWriteLock(async () => void order.push('b'));
      await tick(50);
      order.push('a');
    });
    await bDone;
    expect(seen).toEqual([false, true]);
    expect(order).toEqual(['a', 'b']); // b waited for a's turn
    expect(await lockHeld()).toBe(false);
    a.close();
    b.close();
  });

  it('passes errors from the section through and releases the lock', async () => {
    const { factory } = browserCoordination();
    const c = factory(store('db-err'));
    await expect(
      c.withWriteLock(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await c.withWriteLock(async () => 7)).toBe(7);
    c.close();
  });

  it('runs the section without the lock after the timeout (the CAS still guards)', async () => {
    const { factory } = browserCoordination({ lockTimeoutMs: 50 });
    const c = factory(store('db-frozen'));
    await contend([c, factory(store('db-frozen'))]); // c takes the lock now, and must wait for it
    let release!: () => void;
    const frozen = navigator.locks.request(lockName(store('db-frozen')), () => new Promise<void>((r) => (release = r)));
    await tick();
    expect(await c.withWriteLock(async () => 'ran')).toBe('ran');
    release();
    await frozen;
    c.close();
  });

  it('a required section (GC) never runs without the lock: store/busy after the timeout', async () => {
    const { factory } = browserCoordination({ lockTimeoutMs: 50 });
    const c = factory(store('db-frozen-gc'));
    let release!: () => void;
    const frozen = navigator.locks.request(lockName(store('db-frozen-gc')), () => new Promise<void>((r) => (release = r)));
    await tick();
    let ran = false;
    await expect(c.withWriteLock(async () => void (ran = true), { required: true })).rejects.toMatchObject({ code: 'store/busy' });
    expect(ran).toBe(false);
    release();
    await frozen;
    expect(await c.withWriteLock(async () => 'ran', { required: true })).toBe('ran');
    c.close();
  });

  it('resync asks every live connection to re-read its head (with null)', async () => {
    const { factory, resync } = browserCoordination();
    const a = factory(store('db-vis'));
    const b = factory(store('db-vis2'));
    const inA = collect(1);
    const inB = collect(1);
    a.onRemoteCommit(inA.cb);
    b.onRemoteCommit(inB.cb);
    resync();
    expect(await inA.done).toEqual([null]);
    expect(await inB.done).toEqual([null]);
    a.close();
    b.close();
  });

  it('memory stores get a local coordinator: nothing crosses', async () => {
    const { factory } = browserCoordination();
    const a = factory({ backend: 'memory', id: 'm' });
    const b = factory({ backend: 'memory', id: 'm' });
    const heard: unknown[] = [];
    b.onRemoteCommit((h) => heard.push(h));
    a.announce({ basisT: 3 });
    await tick(50);
    expect(heard).toEqual([]);
    a.close();
    b.close();
  });
});
