// What the client refuses to post. Structured clone serialises deeply nested data on the page
// but the receiving side may fail to rebuild it (its stack runs out): the worker then gets a
// 'messageerror' instead of the call, Comlink never answers, and the call would hang forever.
// No CairnDB input needs deep nesting (tx data stops at 1,000 levels, query values at 256), so
// the client checks the nesting of every message before posting and rejects the call with
// 'worker/protocol' instead. One walk over the message, no copy.

import type * as Comlink from 'comlink';
import { CairnError } from '../src/util/errors.js';

export const MAX_MESSAGE_NESTING = 1000;

/** Throws 'worker/protocol' if `message` nests deeper than MAX_MESSAGE_NESTING. */
export function checkNesting(message: unknown): void {
  const stack: [unknown, number][] = [[message, 0]];
  const seen = new Set<object>(); // shared subtrees (and cycles, which clone fine) are walked once
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof Date || seen.has(v)) continue;
    if (depth >= MAX_MESSAGE_NESTING) {
      throw new CairnError('worker/protocol', `an argument is nested more than ${MAX_MESSAGE_NESTING} levels deep; the worker could not receive it`, {
        maxNesting: MAX_MESSAGE_NESTING,
      });
    }
    seen.add(v);
    if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else if (v instanceof Map) for (const [k, x] of v) stack.push([k, depth + 1], [x, depth + 1]);
    else if (v instanceof Set) for (const x of v) stack.push([x, depth + 1]);
    else for (const k of Object.keys(v)) stack.push([(v as Record<string, unknown>)[k], depth + 1]);
  }
}

/** `ep` with a postMessage that checks nesting first (listeners and start pass through). */
export function guardedEndpoint(ep: Comlink.Endpoint): Comlink.Endpoint {
  return {
    postMessage(message: unknown, transfer?: Transferable[]) {
      checkNesting(message);
      ep.postMessage(message, transfer);
    },
    addEventListener: ep.addEventListener.bind(ep),
    removeEventListener: ep.removeEventListener.bind(ep),
    ...(typeof (ep as { start?: unknown }).start === 'function' ? { start: () => (ep as { start(): void }).start() } : {}),
  };
}
