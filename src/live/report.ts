// Report an error nobody handles the way the platform reports an uncaught one, without throwing
// into the code that delivered it (a failing subscriber must not starve the others).

export function reportError(e: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === 'function') report(e);
  else console.error('CairnDB: a live query subscriber failed or an error had no onError', e);
}
