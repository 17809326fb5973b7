// Shared helpers for the worker/client specs: open the test page with a chosen worker and
// wait for the client's ready handshake.
import { expect, type Page } from '@playwright/test';

export type WorkerKind = 'source' | 'default' | 'no-idb' | 'silent';

export async function openClientPage(page: Page, worker: WorkerKind = 'source'): Promise<void> {
  // Kept so a failed start says why (a worker that fails to load only reports "error").
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`/e2e/pages/client.html?worker=${worker}`);
  await expect(page.locator('#status'), problems.join('\n')).toHaveText('ready');
}

/** A store id no other test (or earlier run) uses. */
export function uniqueId(prefix: string, testId: string): string {
  return `${prefix}-${testId.slice(0, 12)}-${Date.now().toString(36)}`;
}

/** Person schema used by several specs, as tx data. */
export const PERSON_SCHEMA = [
  { 'db/ident': 'person/name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/unique': 'db.unique/identity' },
  { 'db/ident': 'person/age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
];
