// `cairndb/react` in real Chromium with react-dom: components render a list with useQuery and
// an entity with usePull through the worker client (a real module worker over IndexedDB), and
// re-render when a transaction changes what they show. No JSX: createElement keeps this a .ts file.

import { createElement as h, StrictMode, useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorker, type ClientApi, type ConnHandle } from '../../worker/client.js';
import { usePull, useQuery } from './index.js';

const api: ClientApi = openWorker(new Worker(new URL('../../worker/worker.ts', import.meta.url), { type: 'module' }), { resyncOnVisible: false });
const roots: Root[] = [];
afterAll(async () => {
  for (const r of roots) r.unmount();
  await api.close();
});

const POLL = { timeout: 30_000, interval: 20 }; // generous: the machine may be loaded; not a timing assertion

function mount(element: ReturnType<typeof h>): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  roots.push(root);
  flushSync(() => root.render(h(StrictMode, null, element))); // committed now: the first frame is observable
  return el;
}

async function todoDb(): Promise<ConnHandle> {
  const config = { store: { backend: 'indexeddb', id: `react-${Date.now().toString(36)}-${Math.floor(performance.now())}` } };
  await api.createDatabase(config);
  const conn = await api.connect(config);
  await api.transact(conn, [
    { 'db/ident': 'todo/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
    { 'db/ident': 'todo/done', 'db/valueType': 'db.type/boolean', 'db/cardinality': 'db.cardinality/one' },
  ]);
  await api.transact(conn, [{ 'db/id': 'a', 'todo/title': 'write tests', 'todo/done': false }]);
  return conn;
}

function TodoList({ conn, done }: { conn: ConnHandle; done: boolean }) {
  const { data, error, loading } = useQuery<[number, string][]>(api, conn, '[:find ?e ?t :in $ ?d :where [?e :todo/done ?d] [?e :todo/title ?t]]', done);
  if (loading) return h('p', { className: 'loading' }, 'loading');
  if (error) return h('p', { className: 'error' }, String((error as { code?: string }).code));
  const rows = [...(data ?? [])].sort((x, y) => x[1].localeCompare(y[1]));
  return h(
    'ul',
    null,
    rows.map(([e, t]) => h('li', { key: e }, t)),
  );
}

describe('cairndb/react', () => {
  it('renders a list with useQuery, shows loading first, and re-renders after a transaction', async () => {
    const conn = await todoDb();
    const el = mount(h(TodoList, { conn, done: false }));
    expect(el.textContent).toBe('loading');
    await expect.poll(() => el.querySelectorAll('li').length, POLL).toBe(1);
    expect(el.textContent).toBe('write tests');

    await api.transact(conn, [
      { 'todo/title': 'ship it', 'todo/done': false },
      { 'todo/title': 'done already', 'todo/done': true },
    ]);
    await expect.poll(() => [...el.querySelectorAll('li')].map((li) => li.textContent), POLL).toEqual(['ship it', 'write tests']);
  });

  it('re-subscribes when an input changes, and shows an error state', async () => {
    const conn = await todoDb();
    await api.transact(conn, [{ 'todo/title': 'finished', 'todo/done': true }]);
    let flip!: () => void;
    function Toggle() {
      const [done, setDone] = useState(false);
      flip = () => setDone((d) => !d);
      return h(TodoList, { conn, done });
    }
    const el = mount(h(Toggle));
    await expect.poll(() => el.textContent, POLL).toBe('write tests');
    flip();
    await expect.poll(() => el.textContent, POLL).toBe('finished');

    function Broken() {
      const { error, loading } = useQuery(api, conn, '[:find ?x :where [?x :todo/title]');
      return h('p', null, loading ? 'loading' : `error: ${(error as { code?: string } | undefined)?.code}`);
    }
    const bad = mount(h(Broken));
    await expect.poll(() => bad.textContent, POLL).toBe('error: query/parse');
  });

  it('usePull follows one entity', async () => {
    const conn = await todoDb();
    const e = (await api.q<number>('[:find ?e . :where [?e :todo/title "write tests"]]', api.db(conn)))!;
    function Todo() {
      const { data } = usePull<{ 'todo/title': string; 'todo/done': boolean }>(api, conn, '[:todo/title :todo/done]', e);
      return h('p', null, data ? `${data['todo/title']} ${data['todo/done'] ? '✓' : '…'}` : '');
    }
    const el = mount(h(Todo));
    await expect.poll(() => el.textContent, POLL).toBe('write tests …');
    await api.transact(conn, [['db/add', e, 'todo/done', true]]);
    await expect.poll(() => el.textContent, POLL).toBe('write tests ✓');
  });
});
