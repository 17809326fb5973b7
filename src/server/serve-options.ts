// The checks `serve(options)` runs before it opens anything: every option of the wrong type or
// out of range is config/invalid, naming it (a limit of '8MB' or a port of 70000 would
// otherwise surface later as odd behaviour, or not at all).

import type { Config } from '../engine.js';
import { DEFAULT_LIMITS, isPlainObject, type Limits } from '../sync/wire.js';
import { fail, show } from '../util/errors.js';
import type { ServeOptions } from './serve.js';

const FUNCTIONS = ['authenticate', 'authorize', 'onError', 'coordinatorFor'] as const;

/** The databases to serve, by name, and the limits in force; or config/invalid. */
export function checkServeOptions(options: ServeOptions): { databases: Readonly<Record<string, Config>>; limits: Limits } {
  if (!isPlainObject(options as unknown)) fail('config/invalid', `serve needs an options object, got ${show(options)}`);
  const databases = options.databases ?? (options.config ? { [options.config.store?.id ?? '']: options.config } : undefined);
  if (databases === undefined || !isPlainObject(databases as unknown) || Object.keys(databases).length === 0)
    fail('config/invalid', 'serve needs `databases` (name -> config) or `config`');
  for (const name of Object.keys(databases))
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) fail('config/invalid', `served database name ${show(name)} must be 1-128 characters [A-Za-z0-9._-]`);
  if (options.authenticate === undefined && options.tokens === undefined)
    fail('config/invalid', 'serve needs `tokens` or an `authenticate` function: a sync server never serves anonymously by default');
  if (options.tokens !== undefined && !isPlainObject(options.tokens as unknown))
    fail('config/invalid', `tokens must be an object (token -> principal), got ${show(options.tokens)}`);
  for (const key of FUNCTIONS)
    if (options[key] !== undefined && typeof options[key] !== 'function') fail('config/invalid', `${key} must be a function, got ${show(options[key])}`);
  if (options.cors !== undefined && options.cors !== '*' && !(Array.isArray(options.cors) && options.cors.every((o) => typeof o === 'string')))
    fail('config/invalid', `cors must be '*' or an array of origins, got ${show(options.cors)}`);
  const port: unknown = options.port;
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535))
    fail('config/invalid', `port must be an integer from 0 to 65535, got ${show(options.port)}`);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === ''))
    fail('config/invalid', `host must be a host name or address, got ${show(options.host)}`);
  if (options.pollMs !== undefined && !(typeof options.pollMs === 'number' && options.pollMs > 0 && Number.isFinite(options.pollMs)))
    fail('config/invalid', `pollMs must be a positive number of milliseconds, got ${show(options.pollMs)}`);
  if (options.sweepAfterPurge !== undefined && typeof options.sweepAfterPurge !== 'boolean')
    fail('config/invalid', `sweepAfterPurge must be true or false, got ${show(options.sweepAfterPurge)}`);
  return { databases, limits: checkLimits(options.limits) };
}

function checkLimits(given: unknown): Limits {
  if (given === undefined) return DEFAULT_LIMITS;
  if (!isPlainObject(given)) fail('config/invalid', `limits must be an object, got ${show(given)}`);
  for (const [key, value] of Object.entries(given)) {
    if (!(key in DEFAULT_LIMITS)) fail('config/invalid', `unknown limit ${show(key)}; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (!(Number.isSafeInteger(value) && (value as number) > 0)) fail('config/invalid', `limits.${key} must be a positive integer, got ${show(value)}`);
  }
  return { ...DEFAULT_LIMITS, ...(given as Partial<Limits>) };
}
