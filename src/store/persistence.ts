// Storage persistence and quota for the app (docs/architecture.md, decision 10): thin, feature-detected
// wrappers over `navigator.storage`, usable from a page or a worker. Browsers evict whole
// origins under pressure unless persistence is granted; call `requestPersistence()` after a
// meaningful user action (Safari also deletes script-written storage of sites not interacted
// with for 7 days of use, unless installed to the Home Screen).

export interface StorageEstimate {
  /** Bytes used by this origin, when the browser says. */
  readonly usage: number | undefined;
  /** Bytes this origin may use, when the browser says. */
  readonly quota: number | undefined;
  /** Whether storage is in persistent mode (exempt from automatic eviction). */
  readonly persisted: boolean | undefined;
}

function storageManager(): StorageManager | undefined {
  const nav = (globalThis as { navigator?: { storage?: StorageManager } }).navigator;
  return nav?.storage;
}

/** Ask for persistent storage; false when refused or unsupported. */
export async function requestPersistence(): Promise<boolean> {
  const s = storageManager();
  if (s === undefined || typeof s.persist !== 'function') return false;
  try {
    return await s.persist();
  } catch {
    return false;
  }
}

/** Usage, quota and persistence as far as the platform reports them (all undefined in Node). */
export async function storageEstimate(): Promise<StorageEstimate> {
  const s = storageManager();
  if (s === undefined) return { usage: undefined, quota: undefined, persisted: undefined };
  const [est, persisted] = await Promise.all([
    typeof s.estimate === 'function' ? s.estimate().catch(() => undefined) : undefined,
    typeof s.persisted === 'function' ? s.persisted().catch(() => undefined) : undefined,
  ]);
  return { usage: est?.usage, quota: est?.quota, persisted };
}
