// What the client refuses to post. Structured clone serialises deeply nested data on the page
// but the receiving side may fail to rebuild it (its stack runs out): the worker then gets a
// 'messageerror' instead of the call, Comlink never answers, and the call would hang forever.
// No CairnDB input needs deep nesting (tx data stops at 1,000 levels, query values at 256), so
// the client checks the nesting of every message before posting and rejects the call with
// 'worker/protocol' instead. One walk over the message, no copy.

import type * as Comlink from 'comlink';
import { CairnError } from '../src/util/errors.js';
import { toWireError } from './errors.js';
import { isDate, isMap, isSet } from '../src/util/brands.js';

export const MAX_MESSAGE_NESTING = 1000;

/** Throws 'worker/protocol' if `message` nests deeper than MAX_MESSAGE_NESTING. */
export function checkNesting(message: unknown): void {
  const stack: [unknown, number][] = [[message, 0]];
  const seen = new Set<object>(); // shared subtrees (and cycles, which clone fine) are walked once
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || isDate(v) || seen.has(v)) continue;
    if (depth >= MAX_MESSAGE_NESTING) {
      throw new CairnError('worker/protocol', `an argument is nested more than ${MAX_MESSAGE_NESTING} levels deep; the worker could not receive it`, {
        maxNesting: MAX_MESSAGE_NESTING,
      });
    }
    seen.add(v);
    if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else if (isMap(v)) for (const [k, x] of v) stack.push([k, depth + 1], [x, depth + 1]);
    else if (isSet(v)) for (const x of v) stack.push([x, depth + 1]);
    else for (const k of Object.keys(v)) stack.push([(v as Record<string, unknown>)[k], depth + 1]);
  }
}

/** postMessage refuses functions, symbols, class instances with private state, etc.: say so clearly. */
export function notCloneable(e: unknown): CairnError | undefined {
  if (typeof e !== 'object' || e === null || (e as { name?: unknown }).name !== 'DataCloneError') return undefined;
  return new CairnError(
    'worker/protocol',
    `an argument cannot be sent to the worker (only plain data, Dates, bigints, Uint8Arrays and handles cross): ${String((e as { message?: unknown }).message)}`,
    {},
    { cause: e },
  );
}

// Comlink's answers carry a wire value ({ type: 'RAW' | 'HANDLER', ... }); its requests a message type.
const isAnswer = (m: { type?: unknown }): boolean => m.type === 'RAW' || m.type === 'HANDLER';

/**
 * `ep` with a postMessage that checks nesting first. A request it refuses (too deep, or not
 * cloneable) is answered here, as the worker answers a call that throws: Comlink registers the
 * listener for a call's answer before posting the call, and one whose post threw instead would
 * stay registered for good, keeping the refused arguments alive through its error.
 */
export function guardedEndpoint(ep: Comlink.Endpoint): Comlink.Endpoint {
  const listeners = new Set<EventListenerOrEventListenerObject>();
  const answer = (id: unknown, error: CairnError): void => {
    const ev = { data: { id, type: 'HANDLER', name: 'throw', value: { isError: true, value: toWireError(error) } } } as MessageEvent;
    for (const l of [...listeners]) typeof l === 'function' ? l(ev) : l.handleEvent(ev);
  };
  return {
    postMessage(message: unknown, transfer?: Transferable[]) {
      try {
        checkNesting(message);
        ep.postMessage(message, transfer);
      } catch (e) {
        const m = (typeof message === 'object' && message !== null ? message : {}) as { id?: unknown; type?: unknown };
        const refused = e instanceof CairnError ? e : notCloneable(e);
        if (m.id === undefined || isAnswer(m) || refused === undefined) throw e;
        queueMicrotask(() => answer(m.id, refused));
      }
    },
    addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object) {
      if (type === 'message') listeners.add(listener);
      ep.addEventListener(type, listener, options);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object) {
      if (type === 'message') listeners.delete(listener);
      ep.removeEventListener(type, listener, options);
    },
    ...(typeof (ep as { start?: unknown }).start === 'function' ? { start: () => (ep as { start(): void }).start() } : {}),
  };
}
