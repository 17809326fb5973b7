// What cannot cross the worker boundary, with the REAL in-process engine behind the host
// (memory store), over a MessageChannel: the client answers with 'worker/protocol' and stays usable.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { api as engine } from '../src/api.js';
import { CairnError } from '../src/util/errors.js';
import { channelClient, closeChannels, rejection } from './testing/channel.js';

afterEach(closeChannels);

/** V8's collector, made callable without restarting the process with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const nested = (depth: number): unknown[] => {
  let v: unknown[] = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('values crossing the worker boundary', () => {
  it('an answer the worker cannot send back (a query returning its Db input) fails with worker/protocol', async () => {
    const api = channelClient(engine);
    const config = { store: { backend: 'memory', id: 'crossing-answer' } };
    await api.createDatabase(config);
    const conn = await api.connect(config);
    const e = await rejection(api.q('[:find ?d :in ?d]', api.db(conn)));
    expect(e).toBeInstanceOf(CairnError);
    expect(e).toMatchObject({ code: 'worker/protocol', message: expect.stringContaining('cannot be sent back') });
    expect(await api.q('[:find ?x :in ?x]', 1)).toEqual([[1]]);
    await api.release(conn);
    await api.close();
  });

  it('an argument that only inherits from a Map or Set crosses as the plain object it is', async () => {
    const api = channelClient(engine);
    for (const lookalike of [Object.create(new Map([[':find', '?x']])), Object.create(new Set([1]))]) {
      const e = await rejection(api.q(lookalike));
      expect(e.code).toBe('query/parse');
    }
    await api.close();
  });

  it('a call refused on the page keeps nothing of its arguments once it has failed', async () => {
    const api = channelClient(engine);
    const gc = collector();
    // each argument lives in a frame of its own: a suspended test frame could keep its last one
    const refuse = async (arg: object): Promise<WeakRef<object>> => {
      expect((await rejection(api.q('[:find ?x :in ?x]', arg))).code).toBe('worker/protocol');
      return new WeakRef(arg);
    };
    const refs = [await refuse(nested(5_000)), await refuse([() => 1])];
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets are kept until the job ends
    gc();
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
    expect(await api.q('[:find ?x :in ?x]', 1)).toEqual([[1]]);
    await api.close();
  });
});
