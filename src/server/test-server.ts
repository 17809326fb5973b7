// Test helper: a real sync server process (scripts/sync-server.ts) on 127.0.0.1 over the file
// backend (or PostgreSQL with `pg`), started, killed and restarted the way a deployment would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly path: string;
  /** SIGKILL: no cleanup, like a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Send a signal (SIGSTOP freezes the process: sockets stay open, nothing answers). */
  signal(sig: NodeJS.Signals): void;
}

export interface ServerProcessOptions {
  readonly path?: string;
  readonly dbs?: readonly string[];
  readonly token?: string;
  readonly port?: number;
  readonly cors?: readonly string[];
  readonly pollMs?: number;
  readonly forbidAttr?: string;
  /** Serve from the postgresql backend at this URL (and `table`) instead of files under `path`. */
  readonly pg?: string;
  readonly table?: string;
  /** serve({ sweepAfterPurge: true }) */
  readonly sweepAfterPurge?: boolean;
}

const ROOT = resolve(import.meta.dirname, '../..');

export function tempDir(prefix = 'cairn-sync-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A `server(options)` for one test file: it starts servers like `startServer`, and registers
 * with `after` (the test runner's afterAll) stopping every one it started.
 */
export function serverStarter(after: (fn: () => Promise<void>) => void): (o?: ServerProcessOptions) => Promise<ServerProcess> {
  const running: ServerProcess[] = [];
  after(async () => {
    for (const s of running) await s.stop().catch(() => {});
  });
  return async (o = {}) => {
    const s = await startServer(o);
    running.push(s);
    return s;
  };
}

export async function startServer(o: ServerProcessOptions = {}): Promise<ServerProcess> {
  const path = o.path ?? (o.pg ? '' : tempDir());
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'scripts/sync-server.ts'),
    ...(path ? ['--path', path] : []),
    '--create',
    '--token',
    o.token ?? 'test-token',
    '--port',
    String(o.port ?? 0),
    '--poll',
    String(o.pollMs ?? 100),
  ];
  for (const d of o.dbs ?? ['tasks']) args.push('--db', d);
  for (const c of o.cors ?? []) args.push('--cors', c);
  if (o.forbidAttr) args.push('--forbid-attr', o.forbidAttr);
  if (o.pg) args.push('--pg', o.pg);
  if (o.table) args.push('--table', o.table);
  if (o.sweepAfterPurge) args.push('--sweep-after-purge');
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const line = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => res(l));
    child.once('exit', (code) => rej(new Error(`sync server exited (${code}) before listening:\n${stderr}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return {
    url,
    port,
    path,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    },
    signal(sig) {
      child.kill(sig);
    },
  };
}
