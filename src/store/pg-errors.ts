// Turning what `pg` throws into store errors. A lost or refused connection (the server is
// down, restarting, or killed our backend with pg_terminate_backend) is `store/unavailable`;
// a full disk `store/quota`; anything else `store/io`. Each message names what was being done.

import { CairnError } from '../util/errors.js';

// SQLSTATE classes and codes meaning "the server cannot be reached or is going away".
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000', '28000', '28P01']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /connection terminated|connection error|not queryable|timeout exceeded when trying to connect|server closed the connection|cannot use a pool after calling end/i;

/** Was this error a lost or refused connection (as opposed to a failed statement)? */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_STATES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code)) return true;
  }
  const message = (e as { message?: unknown })?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

export function pgError(e: unknown, what: string, data: Record<string, string | null> = {}): CairnError {
  if (e instanceof CairnError) return e;
  const state = (e as { code?: unknown })?.code;
  const detail = { ...data, sqlstate: typeof state === 'string' ? state : null };
  const message = (e as Error)?.message ?? String(e);
  if (isConnectionError(e)) {
    return new CairnError('store/unavailable', `PostgreSQL is unreachable while ${what}: ${message}`, detail, { cause: e });
  }
  if (state === '53100') return new CairnError('store/quota', `PostgreSQL is out of disk space while ${what}: ${message}`, detail, { cause: e });
  return new CairnError('store/io', `PostgreSQL failed while ${what}: ${message}`, detail, { cause: e });
}
