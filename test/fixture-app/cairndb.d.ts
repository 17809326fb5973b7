// For the repo's own type check only (tsconfig.json includes test/): before `npm run build`
// there is no dist/ for `cairndb/client` to resolve to, so describe it from the source.
// A real consumer gets these types from the package's dist/client.d.ts.
declare module 'cairndb/client' {
  export function openWorker(worker?: Worker): import('../../worker/protocol').ClientApi;
}
