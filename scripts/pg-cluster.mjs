// A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temp directory, on a free
// 127.0.0.1 port, trust auth for the `postgres` role. When running as root the server runs as
// the unprivileged `postgres` system user (PostgreSQL refuses to run as root).
//
//   node scripts/pg-cluster.mjs start [--install]   prints `CAIRNDB_PG_URL=…` and `CAIRNDB_PG_DIR=…`
//   node scripts/pg-cluster.mjs stop <dir>          stops the server and removes <dir>
//
// `--install` installs Debian's `postgresql` with apt-get when no binaries are found (root only).
// Also imported by scripts/test.mjs (startCluster / stopCluster / findBinaries).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding initdb/pg_ctl: PG_BIN, Debian's /usr/lib/postgresql/<newest>/bin, or PATH. */
export function findBinaries() {
  const candidates = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debian, v, 'bin'));
  }
  for (const dir of candidates) if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return join(which.stdout.trim(), '..');
  return undefined;
}

export function installPostgres() {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  console.error("Installing Debian's postgresql for the PostgreSQL backend tests (apt-get)...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  return r.status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const asRoot = () => process.getuid?.() === 0;

/** Run a PostgreSQL binary, as the `postgres` user when we are root. */
function runPg(bin, args) {
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Start a cluster; returns { url, dir }. Throws with the reason when none can be had. */
export async function startCluster({ install = false } = {}) {
  let bin = findBinaries();
  if (bin === undefined && install && installPostgres()) bin = findBinaries();
  if (bin === undefined) throw new Error('no PostgreSQL binaries (initdb, pg_ctl) found: install postgresql, set PG_BIN, or set CAIRNDB_PG_URL');
  const dir = mkdtempSync(join(tmpdir(), 'cairndb-pg-'));
  if (asRoot()) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('running as root but there is no `postgres` user to run the server as');
    chownSync(dir, Number(id.stdout), Number(gid.stdout));
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  try {
    runPg(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    // Sockets in our own directory (not /var/run/postgresql); enough connections for the
    // multi-process tests; fsync stays on (the default) so durability is what users get.
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`;
    runPg(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '120', 'start']);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export function stopCluster(dir) {
  if (!dir || !existsSync(join(dir, 'data'))) return;
  const bin = findBinaries();
  try {
    if (bin !== undefined) runPg(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', '-t', '60', 'stop']);
  } catch (e) {
    console.error(String(e));
  }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === 'start') {
    try {
      const { url, dir } = await startCluster({ install: arg === '--install' });
      process.stdout.write(`CAIRNDB_PG_URL=${url}\nCAIRNDB_PG_DIR=${dir}\n`);
    } catch (e) {
      console.error(`pg-cluster: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    }
  } else if (cmd === 'stop') {
    stopCluster(arg);
  } else {
    console.error('usage: node scripts/pg-cluster.mjs start [--install] | stop <dir>');
    process.exit(2);
  }
}
