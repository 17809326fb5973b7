// The backend registry: names -> Backend, and the helpers that turn `config.store` into an
// open store plus the codec it uses. A class, so tests build their own registry; the default
// instance (`defaultRegistry`) is what the public `registerBackend` and the connection use.
//
// The built-in backends are added by `withBuiltins` (./builtins.ts), not at import time of
// this module, so the registry itself has no side effects and no platform dependencies.

import { fail, show } from '../util/errors.js';
import { createCodec, type Codec } from './codec.js';
import { checkConfig } from './guard.js';
import type { Backend, Store, StoreConfig } from './types.js';

/** An open store together with the codec its backend asks for. */
export interface OpenedStore {
  readonly store: Store;
  readonly codec: Codec;
  readonly config: StoreConfig;
}

export class BackendRegistry {
  readonly #backends = new Map<string, Backend>();
  readonly #codecs = new WeakMap<Backend, Codec>();

  /** Register (or replace) the backend used for `config.store.backend === name`. */
  register(name: string, backend: Backend): void {
    if (typeof name !== 'string' || name === '') fail('config/invalid', `backend name must be a non-empty string, got ${show(name)}`);
    for (const m of ['create', 'connect', 'exists', 'delete'] as const) {
      if (typeof (backend as unknown as Record<string, unknown>)?.[m] !== 'function') {
        fail('config/invalid', `backend ${show(name)} must have a ${m}(config) method`, { backend: name });
      }
    }
    // Build the codec now, so bad handlers fail at registration rather than at first use.
    this.#codecs.set(backend, createCodec({ handlers: backend.codecHandlers ?? [] }));
    this.#backends.set(name, backend);
  }

  has(name: string): boolean {
    return this.#backends.has(name);
  }

  names(): string[] {
    return [...this.#backends.keys()];
  }

  /** The backend for `name`; throws 'store/unknown-backend' naming it. */
  get(name: string): Backend {
    const b = this.#backends.get(name);
    if (b === undefined) {
      fail(
        'store/unknown-backend',
        `unknown store backend ${show(name)}; registered: ${
          this.names()
            .map((n) => show(n))
            .join(', ') || 'none'
        }`,
        { backend: name, known: this.names() },
      );
    }
    return b;
  }

  /** The codec for stores of `name` (with that backend's handlers installed). */
  codec(name: string): Codec {
    return this.#codecs.get(this.get(name))!;
  }

  async create(config: StoreConfig): Promise<OpenedStore> {
    checkConfig(config);
    const store = await this.get(config.backend).create(config);
    return { store, codec: this.codec(config.backend), config };
  }

  async open(config: StoreConfig): Promise<OpenedStore> {
    checkConfig(config);
    const store = await this.get(config.backend).connect(config);
    return { store, codec: this.codec(config.backend), config };
  }

  async exists(config: StoreConfig): Promise<boolean> {
    checkConfig(config);
    return this.get(config.backend).exists(config);
  }

  async delete(config: StoreConfig): Promise<void> {
    checkConfig(config);
    return this.get(config.backend).delete(config);
  }
}
