// Brand checks for the built-in types that user input carries. `x instanceof Date` is also true
// of an object that merely has a Date in its prototype chain — `{ __proto__: new Date() }`, or
// any object whose `__proto__` key was set by assignment — and the methods of Date, Map, Set
// and Uint8Array throw a plain TypeError on such an object. These ask the built-in itself
// instead, so a look-alike is treated as the plain object it is (and refused as such), never
// half as a Date.

// (Functions only, nothing evaluated at load: the module stays free of side effects.)

/** True when `method`, which needs a built-in's internal slots, works on `x`. */
function works(method: (this: never, ...args: never[]) => unknown, x: unknown): boolean {
  try {
    method.call(x as never);
    return true;
  } catch {
    return false;
  }
}

/** A real Date (of this realm), invalid ones included. */
export function isDate(x: unknown): x is Date {
  return x instanceof Date && works(Date.prototype.getTime, x);
}

/** A real Map (of this realm). */
export function isMap(x: unknown): x is ReadonlyMap<unknown, unknown> {
  return x instanceof Map && works(Map.prototype.has, x);
}

/** A real Set (of this realm). */
export function isSet(x: unknown): x is ReadonlySet<unknown> {
  return x instanceof Set && works(Set.prototype.has, x);
}

/** A real Uint8Array (of this realm): only a view has the slots `ArrayBuffer.isView` looks for. */
export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && ArrayBuffer.isView(x);
}
