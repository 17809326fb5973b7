// What exportDb and importDb take, and the checks of it that run before anything is read or
// written ('migrate/invalid', naming the input). A module of its own so the worker client can
// check on the page, before a call crosses, without bundling the dump code.

import { fail, show } from '../util/errors.js';

export interface Progress {
  /** Datoms exported or imported so far. */
  readonly datoms: number;
  /** Every datom of the export; for an import, known once the source is decoded. */
  readonly total: number;
}

export interface MigrateOptions {
  /** Called after each chunk (export) or committed batch (import); a returned Promise is awaited before the next one. */
  readonly onProgress?: (p: Progress) => unknown;
  readonly signal?: AbortSignal;
  /** Also asked between chunks (the worker client passes the page's signal this way). */
  readonly aborted?: () => boolean | Promise<boolean>;
}

export type Sink = ((chunk: Uint8Array) => void | Promise<void>) | WritableStream<Uint8Array>;
export type Source = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The options of `what` (exportDb or importDb), or none. */
export function checkOptions(o: unknown, what: string): MigrateOptions {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object') fail('migrate/invalid', `${what} options must be an object, got ${show(o)}`);
  const { onProgress, signal, aborted } = o as Record<string, unknown>;
  if (onProgress !== undefined && typeof onProgress !== 'function') fail('migrate/invalid', `${what} onProgress must be a function, got ${show(onProgress)}`);
  if (aborted !== undefined && typeof aborted !== 'function') fail('migrate/invalid', `${what} aborted must be a function, got ${show(aborted)}`);
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof (signal as { aborted?: unknown }).aborted !== 'boolean'))
    fail('migrate/invalid', `${what} signal must be an AbortSignal, got ${show(signal)}`);
  return o as MigrateOptions;
}

/** exportDb's sink: a function given each chunk, or a WritableStream. */
export function checkSink(sink: unknown): void {
  if (typeof sink === 'function') return;
  if (sink !== null && typeof sink === 'object' && typeof (sink as { getWriter?: unknown }).getWriter === 'function') return;
  fail('migrate/invalid', `exportDb needs a function or a WritableStream to write to, got ${show(sink)}`);
}
