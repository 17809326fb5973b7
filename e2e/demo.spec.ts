// End-to-end tests of the demo app (index.html + demo/) in Chromium. Each test file starts its own
// Vite dev server on a free port (not the shared 5173: a server reused from another Playwright
// run can vanish mid-run). Each test gets a fresh browser context, hence a fresh IndexedDB, so
// every test starts from the seeded sample data.
import { expect, test, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';

let server: ViteDevServer | undefined;
let baseUrl = '';

test.beforeAll(async () => {
  // No HMR and no file watching: an edit elsewhere in the tree must not reload a page mid-test.
  server = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    server: { port: 0, strictPort: false, hmr: false, watch: null },
  });
  await server.listen();
  baseUrl = server.resolvedUrls!.local[0]!;
});

test.afterAll(async () => {
  await server?.close();
});

/** Open the app and wait until the seeded tasks are on screen. */
async function open(page: Page): Promise<void> {
  await page.goto(baseUrl);
  await expect(page.getByText('Ready', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(tasks(page).filter({ hasText: 'Book the train' })).toBeVisible();
}

const tasks = (page: Page) => page.getByRole('list', { name: 'Tasks' }).getByRole('listitem');
const task = (page: Page, title: string) => tasks(page).filter({ hasText: title });
const addForm = (page: Page) => page.getByRole('form', { name: 'Add a task' });

async function addTask(page: Page, title: string, opts: { project?: string; assignee?: string; tags?: string; due?: string } = {}) {
  const form = addForm(page);
  await form.getByLabel('New task').fill(title);
  if (opts.project) await form.getByLabel('Project').selectOption({ label: opts.project });
  if (opts.assignee) await form.getByLabel('Assignee').selectOption({ label: opts.assignee });
  if (opts.due) await form.getByLabel('Due').fill(opts.due);
  if (opts.tags) await form.getByLabel('Tags').fill(opts.tags);
  await form.getByRole('button', { name: 'Add task' }).click();
  await expect(task(page, title)).toBeVisible();
}

async function runQuery(page: Page, text: string) {
  await page.getByRole('tab', { name: 'Query' }).click();
  await page.getByRole('radio', { name: 'Datalog query' }).check();
  await page.getByLabel('Query (EDN)').fill(text);
  await page.getByRole('button', { name: 'Run' }).click();
}

test('seeds the sample data on first run', async ({ page }) => {
  await open(page);
  await expect(tasks(page)).toHaveCount(8);
  const nav = page.getByRole('navigation', { name: 'Projects and tags' });
  for (const name of ['Conference talk', 'Offline sync', 'Website relaunch']) {
    await expect(nav.getByRole('button', { name: new RegExp(name) })).toBeVisible();
  }
  await expect(page.getByRole('checkbox', { name: 'Pick a colour palette' })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Book the train' })).not.toBeChecked();
});

test('adds, edits, completes and deletes a task', async ({ page }) => {
  await open(page);
  await addTask(page, 'Write release notes', { project: 'Offline sync', assignee: 'Ada', tags: 'writing, docs', due: '2031-03-14' });
  const item = task(page, 'Write release notes');
  await expect(item).toContainText('Offline sync');
  await expect(item).toContainText('@Ada');
  await expect(item).toContainText('#docs');
  await expect(item).toContainText('#writing');
  await expect(tasks(page)).toHaveCount(9);

  // Edit: new title, another assignee, one tag removed, due date cleared.
  await page.getByRole('button', { name: 'Edit “Write release notes”' }).click();
  const edit = page.getByRole('form', { name: 'Edit “Write release notes”' });
  await edit.getByLabel('Title').fill('Write the release notes');
  await edit.getByLabel('Assignee').selectOption({ label: 'Linus' });
  await edit.getByLabel('Tags').fill('docs');
  await edit.getByLabel('Due').fill('');
  await edit.getByRole('button', { name: 'Save' }).click();
  const edited = task(page, 'Write the release notes');
  await expect(edited).toContainText('@Linus');
  await expect(edited).toContainText('#docs');
  await expect(edited).not.toContainText('#writing');
  await expect(edited).not.toContainText('due');
  await expect(task(page, 'Write release notes')).toHaveCount(0);

  // Complete, then reopen.
  const box = page.getByRole('checkbox', { name: 'Write the release notes' });
  await box.check();
  await expect(box).toBeChecked();
  await expect(edited).toHaveClass(/done/);
  await box.uncheck();
  await expect(box).not.toBeChecked();

  // The sidebar count is a query too: Offline sync had 2 open tasks, now 3.
  const sync = page.getByRole('navigation').getByRole('button', { name: /Offline sync/ });
  await expect(sync).toContainText('3');

  await page.getByRole('button', { name: 'Delete “Write the release notes”' }).click();
  await expect(edited).toHaveCount(0);
  await expect(tasks(page)).toHaveCount(8);
  await expect(sync).toContainText('2');

  // Undo re-asserts the retracted datoms: the same task comes back with all its attributes.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(edited).toContainText('@Linus');
  await expect(edited).toContainText('#docs');
  await expect(tasks(page)).toHaveCount(9);
  await expect(sync).toContainText('3');
});

test('the edit form is keyboard friendly', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Edit “Book the train”' }).click();
  const title = page.getByRole('form', { name: 'Edit “Book the train”' }).getByLabel('Title');
  await expect(title).toBeFocused();
  await title.fill('Book the night train');
  await title.press('Enter');
  await expect(task(page, 'Book the night train')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Edit “Book the night train”' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('form', { name: 'Edit “Book the night train”' }).getByLabel('Title')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('form', { name: /^Edit/ })).toHaveCount(0);
  await expect(task(page, 'Book the night train')).toBeVisible();
});

test('filters by project and by tag', async ({ page }) => {
  await open(page);
  await page
    .getByRole('navigation')
    .getByRole('button', { name: /Website relaunch/ })
    .click();
  await expect(page.getByRole('heading', { name: 'Website relaunch' })).toBeVisible();
  await expect(tasks(page)).toHaveCount(3);
  await page.getByRole('navigation').getByRole('button', { name: '#code' }).click();
  await expect(tasks(page)).toHaveCount(2);
  await expect(task(page, 'Store changes in IndexedDB')).toBeVisible();
  await expect(task(page, 'Handle two open tabs')).toBeVisible();
});

test('the query console shows the rows of a query and of a pull', async ({ page }) => {
  await open(page);
  await runQuery(page, '[:find ?name :where [?p :project/name ?name]]');
  const result = page.locator('.console-result');
  await expect(result.getByRole('status')).toHaveText(/^3 rows · /);
  await expect(result.getByRole('columnheader')).toHaveText(['?name']);
  const cells = result.getByRole('cell');
  await expect(cells).toHaveCount(3);
  expect((await cells.allTextContents()).sort()).toEqual(['Conference talk', 'Offline sync', 'Website relaunch']);

  // A join with an aggregate.
  await runQuery(page, '[:find ?name (count ?t) :where [?t :task/assignee ?p] [?p :person/name ?name]]');
  await expect(result.getByRole('columnheader')).toHaveText(['?name', '(count ?t)']);
  const rows = await result.getByRole('row').allTextContents();
  expect(rows.slice(1).sort()).toEqual(['Ada2', 'Grace3', 'Linus3']);

  // A pull by lookup ref, following a reverse reference.
  await page.getByRole('radio', { name: 'Pull' }).check();
  await page.getByLabel('Pull pattern (EDN)').fill('[:project/name {:task/_project [:task/title]}]');
  await page.getByLabel('Entity (id, lookup ref or ident)').fill('[:project/name "Offline sync"]');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(result.getByRole('row', { name: /:project\/name/ })).toContainText('Offline sync');
  await expect(result.getByRole('row', { name: /:task\/_project/ })).toContainText('Handle two open tabs');
});

test('a malformed query shows its error and breaks nothing', async ({ page }) => {
  await open(page);
  const alert = page.locator('.console-result').getByRole('alert');
  // Unbalanced brackets: a reader error, with where it happened.
  await runQuery(page, '[:find ?name :where [?p :project/name ?name]');
  await expect(alert).toContainText(/(edn|query)\/parse/);
  await expect(alert).toContainText(/line 1, column \d+/);
  // Well-formed EDN but not a query: the query parser names the problem.
  await runQuery(page, '[:find :where [?p :project/name ?name]]');
  await expect(alert).toContainText('query/parse');

  // The app still works: a valid query runs and tasks can still be added.
  await runQuery(page, '[:find [?title ...] :where [?t :task/title ?title] [?t :task/done true]]');
  await expect(alert).toHaveCount(0);
  await expect(page.locator('.console-result').getByRole('status')).toHaveText(/^2 rows · /);
  await addTask(page, 'Still working');
});

test('the time-travel slider shows an earlier state, read-only', async ({ page }) => {
  await open(page);
  await addTask(page, 'Fresh task');
  // Under the slider: the datoms of the latest transaction.
  const changes = page.getByRole('list', { name: 'Datoms in this transaction' });
  await expect(changes.getByRole('listitem').filter({ hasText: ':task/title' })).toContainText('Fresh task');
  const slider = page.getByRole('slider', { name: 'Time travel' });
  const max = Number(await slider.getAttribute('max'));
  // One step back: the database before "Fresh task" was added.
  await slider.fill(String(max - 1));
  await expect(page.getByText(/As of transaction/)).toBeVisible();
  await expect(task(page, 'Fresh task')).toHaveCount(0);
  await expect(task(page, 'Book the train')).toBeVisible();
  await expect(addForm(page)).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Book the train' })).toBeDisabled();
  // That transaction was the seed's reassignment: Ada retracted, Grace asserted.
  await expect(changes.locator('li.retracted').filter({ hasText: ':task/assignee' })).toContainText('Ada');
  await expect(changes.locator('li.added').filter({ hasText: ':task/assignee' })).toContainText('Grace');

  // Further back, before the seed's later edits: the palette task was not yet done.
  await slider.fill(String(max - 3));
  await expect(page.getByRole('checkbox', { name: 'Pick a colour palette' })).not.toBeChecked();
  await expect(task(page, 'Record a demo video')).toHaveCount(0);

  await page.getByRole('button', { name: 'Back to now' }).click();
  await expect(task(page, 'Fresh task')).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Pick a colour palette' })).toBeChecked();
});

test("an entity's history lists every change to it", async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'History of “Handle two open tabs”' }).click();
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('heading')).toContainText('Handle two open tabs');
  // Seeded assigned to Ada, later reassigned to Grace: one retraction, two assertions.
  await expect(panel.getByRole('listitem').filter({ hasText: ':task/assignee' })).toHaveCount(3);
  await expect(panel.locator('li.retracted')).toContainText('Ada');
});

test('the schema and storage panels describe the database', async ({ page }) => {
  await open(page);
  await page.getByRole('tab', { name: 'Schema' }).click();
  const schema = page.getByRole('tabpanel');
  await expect(schema.getByRole('row', { name: /:task\/tags/ })).toContainText('many');
  await expect(schema.getByRole('row', { name: /:task\/assignee/ })).toContainText('ref');
  await page.getByRole('tab', { name: 'Storage' }).click();
  await expect(page.getByTestId('backend')).toHaveText('indexeddb');
  await expect(page.getByTestId('datom-count')).toHaveText(/^[1-9]\d*$/);
});

test('reload keeps everything', async ({ page }) => {
  await open(page);
  await addTask(page, 'Survives a reload', { project: 'Conference talk', tags: 'persist' });
  await page.getByRole('checkbox', { name: 'Book the train' }).check();
  await page.getByRole('button', { name: 'Delete “Set up the CDN”' }).click();
  await expect(task(page, 'Set up the CDN')).toHaveCount(0);
  await page.reload();
  await open(page);
  await expect(task(page, 'Survives a reload')).toContainText('#persist');
  await expect(page.getByRole('checkbox', { name: 'Book the train' })).toBeChecked();
  await expect(task(page, 'Set up the CDN')).toHaveCount(0);
  await expect(tasks(page)).toHaveCount(8);
});

test('two tabs update each other live', async ({ page, context }) => {
  await open(page);
  const other = await context.newPage();
  await open(other);
  await addTask(page, 'Made in tab one');
  await expect(task(other, 'Made in tab one')).toBeVisible();
  await other.getByRole('checkbox', { name: 'Made in tab one' }).check();
  await expect(page.getByRole('checkbox', { name: 'Made in tab one' })).toBeChecked();
  await other.getByRole('button', { name: 'Delete “Book the train”' }).click();
  await expect(task(page, 'Book the train')).toHaveCount(0);
});

test('reset deletes the database and seeds it again', async ({ page }) => {
  await open(page);
  await addTask(page, 'Gone after reset');
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Reset database' }).click();
  await expect(page.getByText('The database was deleted and seeded again.')).toBeVisible({ timeout: 30_000 });
  await expect(task(page, 'Gone after reset')).toHaveCount(0);
  await expect(tasks(page)).toHaveCount(8);
});

test('a reset in one tab reopens the database in the other', async ({ page, context }) => {
  await open(page);
  const other = await context.newPage();
  await open(other);
  await addTask(other, 'Made before the reset');
  await expect(task(page, 'Made before the reset')).toBeVisible();

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Reset database' }).click();
  await expect(other.getByText('The database was reset in another tab.')).toBeVisible({ timeout: 30_000 });
  await expect(task(other, 'Made before the reset')).toHaveCount(0);
  await expect(tasks(other)).toHaveCount(8);

  // Both tabs are on the new database and still update each other.
  await addTask(other, 'Made after the reset');
  await expect(task(page, 'Made after the reset')).toBeVisible();
});
