// The demo's write helpers: each builds exactly the tx data for the change, nothing more.
import { describe, expect, it } from 'vitest';
import { compareTasks, editTaskTx, parseEid, parseTags, toTask, type Task } from './data.js';

const base: Task = {
  id: 7,
  title: 'Book',
  done: false,
  due: new Date('2030-01-01T00:00:00Z'),
  tags: ['a', 'b'],
  project: { id: 2, name: 'P' },
  assignee: { id: 3, name: 'Ada' },
};
const draftOf = (t: Task) => ({ title: t.title, projectId: t.project!.id, assigneeId: t.assignee?.id, tags: t.tags, due: t.due });

describe('editTaskTx', () => {
  it('is empty when nothing changed', () => {
    expect(editTaskTx(base, draftOf(base))).toEqual([]);
  });
  it.each([
    ['title', { title: 'Book it' }, [{ 'db/id': 7, 'task/title': 'Book it' }]],
    ['assignee', { assigneeId: 4 }, [{ 'db/id': 7, 'task/assignee': 4 }]],
    ['assignee removed', { assigneeId: undefined }, [['db/retract', 7, 'task/assignee', 3]]],
    ['due removed', { due: undefined }, [['db/retract', 7, 'task/due', base.due]]],
    ['same due, new Date object', { due: new Date(base.due!.getTime()) }, []],
    ['tags', { tags: ['b', 'c'] }, [{ 'db/id': 7, 'task/tags': ['c'] }, ['db/retract', 7, 'task/tags', 'a']]],
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
