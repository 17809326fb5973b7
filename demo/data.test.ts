// The demo's write helpers: each builds exactly the tx data for the change, nothing more.
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, db, q, release, transact } from '../src/index.js';
import { addTaskTx, compareTasks, editTaskTx, parseEid, parseTags, removeTaskTx, SCHEMA_TX, seed, TASK_PULL, toggleTx, toTask, type Task } from './data.js';

const base: Task = {
  id: 7,
  uuid: '3b241101-e2bb-4255-8caf-4136c566a962',
  title: 'Book',
  done: false,
  due: new Date('2030-01-01T00:00:00Z'),
  tags: ['a', 'b'],
  project: { id: 2, name: 'P' },
  assignee: { id: 3, name: 'Ada' },
};
const draftOf = (t: Task) => ({ title: t.title, project: t.project!, assignee: t.assignee, tags: t.tags, due: t.due });
// Writes name the task, its project and its assignee by identity, never by entity id (docs/sync.md).
const task = ['task/uuid', base.uuid];

describe('editTaskTx', () => {
  it('is empty when nothing changed', () => {
    expect(editTaskTx(base, draftOf(base))).toEqual([]);
  });
  it.each([
    ['title', { title: 'Book it' }, [{ 'db/id': task, 'task/title': 'Book it' }]],
    ['project', { project: { id: 5, name: 'Q' } }, [{ 'db/id': task, 'task/project': ['project/name', 'Q'] }]],
    ['assignee', { assignee: { id: 4, name: 'Bo' } }, [{ 'db/id': task, 'task/assignee': ['person/name', 'Bo'] }]],
    ['assignee removed', { assignee: undefined }, [['db/retract', task, 'task/assignee', ['person/name', 'Ada']]]],
    ['due removed', { due: undefined }, [['db/retract', task, 'task/due', base.due]]],
    ['same due, new Date object', { due: new Date(base.due!.getTime()) }, []],
    ['tags', { tags: ['b', 'c'] }, [{ 'db/id': task, 'task/tags': ['c'] }, ['db/retract', task, 'task/tags', 'a']]],
  ])('%s', (_name, change, tx) => {
    expect(editTaskTx(base, { ...draftOf(base), ...change })).toEqual(tx);
  });
});

describe('parseTags', () => {
  it.each([
    ['a, b  c', ['a', 'b', 'c']],
    ['  Design,design ', ['design']],
    ['', []],
  ])('%j', (text, tags) => {
    expect(parseTags(text)).toEqual(tags);
  });
});

describe('parseEid', () => {
  it.each([
    ['42', 42],
    ['[:project/name "Offline sync"]', ['project/name', 'Offline sync']],
    ['[:person/age 41]', ['person/age', 41]],
    ['[:a/b "say \\"hi\\""]', ['a/b', 'say "hi"']],
    [':db/ident-value', 'db/ident-value'],
  ])('%s', (text, eid) => {
    expect(parseEid(text)).toEqual(eid);
  });
});

describe('toTask and compareTasks', () => {
  it('reads a pull result', () => {
    const t = toTask({
      'db/id': 9,
      'task/title': 'T',
      'task/done': true,
      'task/tags': ['z', 'a'],
      'task/due': new Date('2030-05-01T00:00:00Z'),
      'task/assignee': { 'db/id': 3, 'person/name': 'Ada' },
    });
    expect(t).toEqual({
      id: 9,
      title: 'T',
      done: true,
      tags: ['a', 'z'],
      due: new Date('2030-05-01T00:00:00Z'),
      project: undefined,
      assignee: { id: 3, name: 'Ada' },
    });
  });
  it('puts open tasks first, then by due date, undated last, then by title', () => {
    const t = (title: string, done: boolean, due?: string): Task => ({ id: 0, title, done, tags: [], due: due ? new Date(due) : undefined });
    const sorted = [t('d', true, '2030-01-01'), t('c', false), t('b', false, '2030-02-01'), t('a', false, '2030-03-01'), t('a2', false)]
      .sort(compareTasks)
      .map((x) => x.title);
    expect(sorted).toEqual(['b', 'a', 'a2', 'c', 'd']);
  });
});

describe('addTaskTx', () => {
  it('names the new task by a version 4 UUID, also where crypto.randomUUID is missing (no secure context)', () => {
    const uuidOf = () => (addTaskTx({ title: 't', project: { id: 1, name: 'P' }, tags: [] })[0] as Record<string, unknown>)['task/uuid'];
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuidOf()).toMatch(v4);
    const own = Object.getOwnPropertyDescriptor(crypto, 'randomUUID');
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const a = uuidOf();
      expect(a).toMatch(v4);
      expect(uuidOf()).not.toBe(a);
    } finally {
      if (own) Object.defineProperty(crypto, 'randomUUID', own);
      else delete (crypto as unknown as Record<string, unknown>).randomUUID;
    }
    expect(typeof crypto.randomUUID).toBe('function');
  });
});

describe('writes on a real database', () => {
  it('add, edit, toggle and remove name tasks, projects and people by identity only, and work', async () => {
    const config = { store: { backend: 'memory', id: `demo-writes-${Date.now()}` }, initialTx: SCHEMA_TX };
    await createDatabase(config);
    const conn = await connect(config);
    try {
      await seed((tx) => transact(conn, tx), new Date('2030-01-01T00:00:00Z'));
      const numbers = (tx: unknown[]) => JSON.stringify(tx).match(/"db\/id":\d|\["db\/\w+",\d/g) ?? [];
      const project = { id: 0, name: 'Offline sync' };
      const add = addTaskTx({ title: 'New', project, assignee: { id: 0, name: 'Ada' }, tags: ['x'] });
      await transact(conn, add);
      const pulled = async () =>
        toTask(((await q(`[:find [(pull ?t ${TASK_PULL}) ...] :where [?t :task/title "New"]]`, db(conn))) as Record<string, unknown>[])[0]!);
      const t = await pulled();
      expect(t.uuid).toMatch(/^[0-9a-f-]{36}$/);
      for (const tx of [editTaskTx(t, { title: 'New', project: { id: 0, name: 'Website relaunch' }, tags: [] }), toggleTx(t), removeTaskTx(t)]) {
        expect(numbers(tx)).toEqual([]);
      }
      await transact(conn, editTaskTx(t, { title: 'New', project: { id: 0, name: 'Website relaunch' }, tags: [] }));
      await transact(conn, toggleTx(await pulled()));
      const after = await pulled();
      expect([after.project?.name, after.assignee, after.tags, after.done]).toEqual(['Website relaunch', undefined, [], true]);
      await transact(conn, removeTaskTx(after));
      expect(await q('[:find ?t . :where [?t :task/title "New"]]', db(conn))).toBeNull();
    } finally {
      await release(conn);
    }
  });
});
