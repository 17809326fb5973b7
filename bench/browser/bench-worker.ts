// The dedicated bench worker: imports the engine directly (no Comlink), runs the one workload
// the page asks for and posts its figures back.

import type { WorkloadReply, WorkloadRequest } from './protocol.js';
import { runWorkload } from './run-workload.js';

self.onmessage = async (ev: MessageEvent<WorkloadRequest>) => {
  let reply: WorkloadReply;
  try {
    reply = { ok: true, result: await runWorkload(ev.data) };
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }
  self.postMessage(reply);
};
