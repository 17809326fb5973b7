// Brand checks for the built-in types that user input carries. `x instanceof Date` is also true
// of an object that merely has a Date in its prototype chain — `{ __proto__: new Date() }`, or
// any object whose `__proto__` key was set by assignment — and Date's, Map's and Set's methods
// throw a plain TypeError on such an object. These ask the built-in itself instead, so a
// look-alike is treated as the plain object it is (and refused as such), never half as a Date.

/** `x instanceof ctor`, and `method` (which needs the built-in's internal slots) works on it. */
function brand<T>(ctor: abstract new (...args: never[]) => unknown, method: (this: never, ...args: never[]) => unknown): (x: unknown) => x is T {
  return (x: unknown): x is T => {
    if (!(x instanceof ctor)) return false;
    try {
      method.call(x as never);
      return true;
    } catch {
      return false;
    }
  };
}

/** A real Date (of this realm), invalid ones included. */
export const isDate = /* @__PURE__ */ brand<Date>(Date, Date.prototype.getTime);
/** A real Map (of this realm). */
export const isMap = /* @__PURE__ */ brand<ReadonlyMap<unknown, unknown>>(Map, Map.prototype.has);
/** A real Set (of this realm). */
export const isSet = /* @__PURE__ */ brand<ReadonlySet<unknown>>(Set, Set.prototype.has);
