// The subscribable a live query returns, in process and in the worker client alike.
//
// One shape fits the common UI contracts without adapters:
// - React `useSyncExternalStore(live.subscribe, live.getSnapshot)`: `subscribe` and
//   `getSnapshot` are bound (they can be passed around bare), and `getSnapshot` returns the same
//   object until the result changes (undefined before the first result).
// - Svelte stores: `subscribe(run)` calls `run` synchronously with the current result when there
//   is one, and returns the unsubscribe function.
// - TC39 / RxJS interop: `[Symbol.observable]()` (or '@@observable') returns the object itself;
//   `subscribe` also accepts an observer `{ next, error }` and its result also has `unsubscribe()`.
//
// Lifecycle: the work (a worker subscription, a connection listener) starts with the first
// subscriber and stops when the last one leaves; the last result stays readable through
// `getSnapshot`. An error reaches `onError` (or the observer's `error`) and does NOT end the
// subscription: the next commit that touches the query runs it again.

import { CairnError, show } from '../util/errors.js';
import { sameValue } from './equal.js';
import { reportError } from './report.js';

/** How often the query ran and how many results it delivered (for tests and debugging). */
export interface LiveStats {
  /** Executions of the query or pull (the first one included). */
  readonly runs: number;
  /** Results delivered because they differed from the previous one (the first one included). */
  readonly changes: number;
}

/** Result, error and loading flag as one object, stable until one of them changes. */
export interface LiveState<T> {
  readonly value: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
}

export interface LiveObserver<T> {
  next?(value: T): void;
  error?(error: unknown): void;
}

/** What `subscribe` returns: call it, or call its `unsubscribe()` (RxJS Subscription shape). */
export type Unsubscribe = (() => void) & { readonly unsubscribe: () => void };

export interface LiveQuery<T> {
  subscribe(onValue: ((value: T) => void) | LiveObserver<T>, onError?: (error: unknown) => void): Unsubscribe;
  /** The current result; the same object until it changes; undefined before the first one. */
  getSnapshot(): T | undefined;
  getState(): LiveState<T>;
  stats(): Promise<LiveStats>;
  '@@observable'(): LiveQuery<T>;
}

/** Where a running live query sends what it computes. */
export interface LiveSink<T> {
  value(value: T): void;
  error(error: unknown): void;
}

/** The engine side of a live query: starts the work, returns how to stop it. */
export interface LiveSource<T> {
  /** Run now and after every commit that may change the result; send each result to `sink`. */
  start(sink: LiveSink<T>): () => void;
  /** How many times the query ran so far. */
  runs(): Promise<number>;
}

interface Subscriber<T> {
  readonly next: (value: T) => void;
  readonly error: ((error: unknown) => void) | undefined;
}

export class Live<T> implements LiveQuery<T> {
  readonly #source: LiveSource<T>;
  readonly #subscribers = new Set<Subscriber<T>>();
  #stop: (() => void) | null = null;
  #state: LiveState<T> = { value: undefined, error: undefined, loading: true };
  #hasValue = false;
  /** Set on (re)start: the next result goes to every subscriber even if it equals the last. */
  #fresh = true;
  #changes = 0;

  constructor(source: LiveSource<T>) {
    this.#source = source;
    // Looked up now, not at load: a polyfill (symbol-observable) may define it after this module.
    const key = (Symbol as { observable?: symbol }).observable;
    if (key !== undefined) (this as unknown as Record<symbol, unknown>)[key] = () => this;
  }

  readonly subscribe = (onValue: ((value: T) => void) | LiveObserver<T>, onError?: (error: unknown) => void): Unsubscribe => {
    if (typeof onValue !== 'function' && (typeof onValue !== 'object' || onValue === null)) {
      throw new CairnError('config/invalid', `subscribe needs a callback or an observer, got ${show(onValue)}`);
    }
    if (onError !== undefined && typeof onError !== 'function')
      throw new CairnError('config/invalid', `subscribe's onError must be a function, got ${show(onError)}`);
    const sub: Subscriber<T> =
      typeof onValue === 'function'
        ? { next: onValue, error: onError }
        : { next: (v) => onValue?.next?.(v), error: onValue?.error ? (e) => onValue.error!(e) : onError };
    this.#subscribers.add(sub);
    let active = true;
    const unsubscribe = (): void => {
      if (!active) return;
      active = false;
      this.#subscribers.delete(sub);
      if (this.#subscribers.size === 0 && this.#stop !== null) {
        const stop = this.#stop;
        this.#stop = null;
        stop();
      }
    };
    if (this.#stop === null) {
      this.#fresh = true;
      this.#stop = this.#source.start({ value: (v) => this.#value(v), error: (e) => this.#error(e) });
    } else if (this.#hasValue && this.#state.error === undefined) sub.next(this.#state.value as T);
    return Object.assign(unsubscribe, { unsubscribe });
  };

  readonly getSnapshot = (): T | undefined => this.#state.value;

  readonly getState = (): LiveState<T> => this.#state;

  async stats(): Promise<LiveStats> {
    return { runs: await this.#source.runs(), changes: this.#changes };
  }

  '@@observable'(): LiveQuery<T> {
    return this;
  }

  /** A result: delivered when it differs from the last one (structurally), or after a (re)start. */
  #value(value: T): void {
    const fresh = this.#fresh;
    this.#fresh = false;
    const same = this.#hasValue && sameValue(this.#state.value, value);
    if (same && !fresh && this.#state.error === undefined) return;
    if (same)
      value = this.#state.value as T; // keep the snapshot's identity (useSyncExternalStore)
    else this.#changes++;
    this.#hasValue = true;
    this.#state = { value, error: undefined, loading: false };
    for (const s of [...this.#subscribers]) {
      try {
        s.next(value);
      } catch (e) {
        reportError(e); // one failing subscriber must not starve the others
      }
    }
  }

  #error(error: unknown): void {
    this.#state = { value: this.#state.value, error, loading: false };
    for (const s of [...this.#subscribers]) {
      if (s.error === undefined) {
        reportError(error);
        continue;
      }
      try {
        s.error(error);
      } catch (e) {
        reportError(e);
      }
    }
  }
}
