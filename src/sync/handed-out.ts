// The entity ids a synced device handed out in the reports of its own transactions, for the
// entities those created, until the server's ids for them are known. Such an id is the device's
// guess: the server numbers the entity itself when it applies the transaction, perhaps
// differently (another device created entities first), and a rebase may renumber it in the view
// too. An app that kept the id from `tempids` and writes to it later would reach whatever entity
// has that number, on the server and here, so the device refuses such a write and says why.
// Bounded: the latest MAX_TRACKED ids are remembered.

const MAX_TRACKED = 10_000;

interface HandedOut {
  readonly entry: string; // the outbox entry (client tx id) that created it
  readonly tempid: string; // under which tempid its report named it
  /** The server's id for it: undefined while unconfirmed, null if not known, 0 if never created. */
  server?: number | null;
}

export class HandedOutIds {
  readonly #ids = new Map<number, HandedOut>();
  readonly #byEntry = new Map<string, number[]>();

  /** A local transaction's report: `tempids` maps its tempids to ids, the provisional ones recorded. */
  handOut(entry: string, tempids: Readonly<Record<string, number>>, provisional: (id: number) => boolean): void {
    const ids = new Set<number>();
    for (const [tempid, id] of Object.entries(tempids)) {
      // two tempids an upsert merged into one entity: the id once, under the first
      if (!provisional(id) || ids.has(id)) continue;
      this.#ids.delete(id); // re-inserted last: the newest are kept
      this.#ids.set(id, { entry, tempid });
      ids.add(id);
    }
    if (ids.size === 0) return;
    this.#byEntry.set(entry, [...ids]);
    for (const oldest of this.#ids.keys()) {
      if (this.#ids.size <= MAX_TRACKED) break;
      this.#ids.delete(oldest);
    }
  }

  /** The server committed `entry`; `serverTempids` is its report's tempids (undefined: not at hand). */
  confirm(entry: string, serverTempids: Readonly<Record<string, number>> | undefined): void {
    for (const id of this.#take(entry)) {
      const h = this.#ids.get(id)!;
      h.server = serverTempids?.[h.tempid] ?? null;
      if (h.server === id) this.#ids.delete(id); // the same number: nothing to warn about
    }
  }

  /** The server refused `entry`: what it created never existed there. */
  reject(entry: string): void {
    for (const id of this.#take(entry)) this.#ids.get(id)!.server = 0;
  }

  /** Why naming entity `id` would reach the wrong entity, or undefined when it is not one of these. */
  problem(id: number): string | undefined {
    const h = this.#ids.get(id);
    if (h === undefined) return undefined;
    const was = `entity ${id} is an id this device gave the entity that transaction ${h.entry} created (${h.tempid})`;
    if (h.server === undefined) return `${was}, which the sync server has not confirmed yet: the server may give it another id, or this one to another entity`;
    if (h.server === 0) return `${was}, which the sync server refused: that entity was never created`;
    if (h.server === null) return `${was}; the sync server numbered it differently`;
    return `${was}; the sync server numbered it ${h.server}`;
  }

  /** The ids `entry` handed out that are still tracked, forgotten by entry. */
  #take(entry: string): number[] {
    const ids = this.#byEntry.get(entry) ?? [];
    this.#byEntry.delete(entry);
    return ids.filter((id) => this.#ids.get(id)?.entry === entry);
  }
}
