// The backends that need Node (the file system, database drivers). They are registered by
// the Node entry (src/node.ts, which `cairndb` resolves to under the `node` export condition),
// never by the browser entry, so a browser bundle contains none of `node:fs`, `pg` or `lmdb`.
// Each loads on first use: importing `cairndb` in Node does not load `pg` or `lmdb`, and an
// app that never uses them need not install them.

import { CairnError } from '../util/errors.js';
import { lazyBackend } from './builtins.js';
import type { BackendRegistry } from './registry.js';
import type { CodecHandler } from './codec.js';
import type { Backend } from './types.js';

/**
 * A backend whose module loads on first use; a missing optional driver package reads as a
 * clear config error. Codec handlers must be given here (the registry builds the codec at
 * registration, before the module is loaded).
 */
export function load(name: string, driver: string, make: () => Promise<Backend>, codecHandlers?: readonly CodecHandler[]): Backend {
  return lazyBackend(
    () =>
      make().catch((e: unknown) => {
        if ((e as { code?: unknown })?.code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(`'${driver}'`)) {
          throw new CairnError('config/invalid', `the ${name} backend needs the ${driver} package: npm install ${driver}`, { backend: name }, { cause: e });
        }
        throw e;
      }),
    codecHandlers,
  );
}

/**
 * The Node-only backends of this layer by name (one line each). `lmdb` is registered by the
 * Node entry itself (src/node.ts), since its encoders live in the conn layer.
 */
export const NODE_BACKENDS: readonly (readonly [string, () => Backend])[] = [
  ['file', () => lazyBackend(async () => (await import('./file.js')).createFileBackend())],
  ['postgresql', () => load('postgresql', 'pg', async () => (await import('./postgresql.js')).createPostgresBackend())],
];

/** Register fresh instances of the Node-only backends on `registry`. */
export function withNodeBackends(registry: BackendRegistry): BackendRegistry {
  for (const [name, make] of NODE_BACKENDS) registry.register(name, make());
  return registry;
}
