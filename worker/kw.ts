// `kw` in the client, computed locally (it is synchronous in the API). It must answer exactly as
// the engine's `kw` (src/api.ts): kw.test.ts compares the two on a table of inputs. The client
// does not import it from the barrel so the main-thread bundle stays free of the engine.
import { fail, show } from '../src/util/errors.js';

export function kw(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name === ':') fail('config/invalid', `kw needs a keyword name like 'status/active', got ${show(name)}`);
  return name.charCodeAt(0) === 58 ? name : `:${name}`;
}
