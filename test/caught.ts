// The one helper every suite uses to look at a rejection: leaf module, imports only the error class.
import { CairnError } from '../src/util/errors.js';

/** The CairnError `p` rejects with (fails the test if it resolves or throws something else). */
export async function caught(p: Promise<unknown>): Promise<CairnError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CairnError) return e;
    throw e;
  }
  throw new Error('expected a CairnError');
}
