// The raw postMessage peer of workload 6: holds the rows it was given and posts them back on
// request, with nothing but structured clone in the path.

let rows: unknown = null;
self.onmessage = (ev: MessageEvent<{ kind: 'set'; rows: unknown } | { kind: 'get' }>) => {
  if (ev.data.kind === 'set') {
    rows = ev.data.rows;
    self.postMessage('stored');
  } else {
    self.postMessage(rows);
  }
};
