// `npm test`: every suite (Vitest in Node, Vitest in real Chromium, Playwright e2e), then one
// summary line `N passed, M failed` summing them all. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { startCluster, stopCluster } from './pg-cluster.mjs';

mkdirSync('.test-results', { recursive: true });

// Browser suites need Chromium: CHROMIUM_PATH, Debian's /usr/bin/chromium, or Playwright's own.
// On a fresh Debian machine (as root) install Debian's package, so `npm test` sets itself up.
if (!process.env.CHROMIUM_PATH && !existsSync('/usr/bin/chromium') && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  console.log("Installing Debian's chromium for the browser tests (apt-get)...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}
// PostgreSQL backend tests need a server: CAIRNDB_PG_URL if set (CI starts one), else a
// throwaway cluster started here (scripts/pg-cluster.mjs; Debian's postgresql is installed
// when running as root and missing) and removed when this script exits. If none can be had,
// the PostgreSQL test files fail, saying so.
if (!process.env.CAIRNDB_PG_URL) {
  try {
    const { url, dir } = await startCluster({ install: true });
    process.env.CAIRNDB_PG_URL = url;
    process.on('exit', () => stopCluster(dir));
    console.log(`PostgreSQL for the tests: ${url}`);
  } catch (e) {
    console.error(`No PostgreSQL for the tests (the postgresql suites will fail): ${e instanceof Error ? e.message : String(e)}`);
  }
}

let passed = 0;
let failed = 0;
let broken = false;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

// Vitest: node and browser projects in one run.
const vitestOut = '.test-results/vitest.json';
const vStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${vitestOut}`]);
if (existsSync(vitestOut)) {
  const r = JSON.parse(readFileSync(vitestOut, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numTotalTestSuites > 0 && r.success === false && r.numFailedTests === 0 ? 1 : 0);
} else broken = true;
if (vStatus !== 0 && failed === 0) broken = true;

// Playwright end-to-end suites, when there are any.
const hasE2e = existsSync('e2e') && readdirSync('e2e').some((f) => f.endsWith('.spec.ts'));
if (hasE2e) {
  const pwOut = '.test-results/playwright.json';
  const pStatus = spawnSync('npx', ['playwright', 'test'], {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwOut },
  }).status;
  if (existsSync(pwOut)) {
    const s = JSON.parse(readFileSync(pwOut, 'utf8')).stats;
    passed += s.expected + (s.flaky ?? 0);
    failed += s.unexpected;
  } else broken = true;
  if (pStatus !== 0 && failed === 0) broken = true;
}

if (broken) failed += 1; // a suite that crashed without reporting counts as a failure
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
