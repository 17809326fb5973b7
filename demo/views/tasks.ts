// The task app proper: the sidebar (projects and tags, each a query), the task list (a query
// for ids, then one pullMany) and the add/edit forms. In the past (time travel) it is read-only.
import { html, nothing, type TemplateResult } from 'lit';
// The task list is keyed by entity id: after a re-sort each task keeps its own <li>, so a
// checkbox the user ticked stays with its task (unkeyed, the slot showed another task with that
// tick, since lit sets .checked only when the value rendered into the slot changes).
import { repeat } from 'lit/directives/repeat.js';
import type { App, Named, State } from '../app.js';
import { addProjectTx, addTaskTx, editTaskTx, parseTags, toggleTx, type Task, type TaskDraft } from '../data.js';
import { formatDate } from '../format.js';

const DAY = 86_400_000;

/** Move focus once the next render has landed (renders are batched per microtask). */
function focusSoon(selector: string): void {
  setTimeout(() => document.querySelector<HTMLElement>(selector)?.focus());
}
const editButton = (id: number) => `[data-task-id="${id}"] .edit`;

export function sidebar(app: App, s: State): TemplateResult {
  const f = s.filter;
  const current = (match: boolean) => (match ? 'page' : nothing);
  const addProject = async (ev: SubmitEvent) => {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    if (name && (await app.transact(addProjectTx(name), `Project “${name}” added.`))) form.reset();
  };
  return html`
    <nav class="sidebar" aria-label="Projects and tags">
      <h2>Projects</h2>
      <ul class="nav-list">
        <li><button class="nav" aria-current=${current(f.kind === 'all')} @click=${() => app.setFilter({ kind: 'all' })}>All tasks</button></li>
        ${s.projects.map(
          (p) => html`
          <li><button class="nav" aria-current=${current(f.kind === 'project' && f.id === p.id)}
            @click=${() => app.setFilter({ kind: 'project', id: p.id })}>
            <span>${p.name}</span><span class="count" aria-label="${p.open} open">${p.open}</span>
          </button></li>`,
        )}
      </ul>
      ${
        s.travel === null
          ? html`
        <form class="inline-form" @submit=${addProject}>
          <label class="sr-only" for="new-project">New project</label>
          <input id="new-project" name="name" placeholder="New project" autocomplete="off" required>
          <button class="ghost" aria-label="Add project">+</button>
        </form>`
          : nothing
      }
      <h2>Tags</h2>
      <ul class="tag-cloud">
        ${s.tags.map(
          (t) => html`<li><button class="tag" aria-pressed=${f.kind === 'tag' && f.tag === t}
          @click=${() => app.setFilter({ kind: 'tag', tag: t })}>#${t}</button></li>`,
        )}
      </ul>
    </nav>`;
}

function heading(s: State): string {
  const f = s.filter;
  switch (f.kind) {
    case 'all':
      return 'All tasks';
    case 'project':
      return s.projects.find((p) => p.id === f.id)?.name ?? 'Project';
    case 'tag':
      return `Tagged #${f.tag}`;
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

const dateInput = (d?: Date) => (d ? d.toISOString().slice(0, 10) : '');

function readDraft(form: HTMLFormElement, s: State): TaskDraft | undefined {
  const data = new FormData(form);
  const title = String(data.get('title') ?? '').trim();
  const project = s.projects.find((p) => p.id === Number(data.get('project')));
  if (!title || !project) return undefined;
  const assigneeId = Number(data.get('assignee') || Number.NaN);
  const due = String(data.get('due') ?? '');
  return {
    title,
    project,
    assignee: s.people.find((p) => p.id === assigneeId),
    tags: parseTags(String(data.get('tags') ?? '')),
    due: due ? new Date(`${due}T00:00:00Z`) : undefined,
  };
}

function options(items: readonly Named[], selected: number | undefined, none?: string): TemplateResult {
  return html`${none ? html`<option value="" ?selected=${selected === undefined}>${none}</option>` : nothing}
    ${items.map((i) => html`<option value=${i.id} ?selected=${i.id === selected}>${i.name}</option>`)}`;
}

/** Fields shared by the add and edit forms; `key` keeps ids unique per form. */
function fields(s: State, key: string, t?: Task): TemplateResult {
  const defaultProject = t?.project?.id ?? (s.filter.kind === 'project' ? s.filter.id : s.projects[0]?.id);
  return html`
    <div class="field grow"><label for="title-${key}">${t ? 'Title' : 'New task'}</label>
      <input id="title-${key}" name="title" required autocomplete="off" .value=${t?.title ?? ''} placeholder="What needs doing?"></div>
    <div class="field"><label for="project-${key}">Project</label>
      <select id="project-${key}" name="project" required>${options(s.projects, defaultProject)}</select></div>
    <div class="field"><label for="assignee-${key}">Assignee</label>
      <select id="assignee-${key}" name="assignee">${options(s.people, t?.assignee?.id, 'Nobody')}</select></div>
    <div class="field"><label for="due-${key}">Due</label>
      <input id="due-${key}" name="due" type="date" .value=${dateInput(t?.due)}></div>
    <div class="field"><label for="tags-${key}">Tags</label>
      <input id="tags-${key}" name="tags" autocomplete="off" placeholder="design, code" .value=${t?.tags.join(', ') ?? ''}></div>`;
}

function addForm(app: App, s: State): TemplateResult {
  const submit = async (ev: SubmitEvent) => {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const d = readDraft(form, s);
    if (d && (await app.transact(addTaskTx(d), `Added “${d.title}”.`))) {
      form.reset();
      (form.querySelector('input[name=title]') as HTMLInputElement | null)?.focus();
    }
  };
  return html`<form class="task-form card" aria-label="Add a task" @submit=${submit}>
    ${fields(s, 'new')}<button class="primary">Add task</button></form>`;
}

function editForm(app: App, s: State, t: Task): TemplateResult {
  const submit = async (ev: SubmitEvent) => {
    ev.preventDefault();
    const d = readDraft(ev.target as HTMLFormElement, s);
    if (!d) return;
    const tx = editTaskTx(t, d);
    if (tx.length === 0 || (await app.transact(tx, `Saved “${d.title}”.`))) close();
  };
  const close = () => {
    app.edit(null);
    focusSoon(editButton(t.id));
  };
  const keydown = (ev: KeyboardEvent) => {
    if (ev.key === 'Escape') close();
  };
  return html`<li class="task editing"><form class="task-form" aria-label="Edit “${t.title}”" @submit=${submit} @keydown=${keydown}>
    ${fields(s, String(t.id), t)}
    <div class="form-actions"><button class="primary">Save</button>
      <button type="button" class="ghost" @click=${close}>Cancel</button></div>
  </form></li>`;
}

function taskItem(app: App, s: State, t: Task, today: number): TemplateResult {
  if (s.editing === t.id) return editForm(app, s, t);
  const past = s.travel !== null;
  const overdue = !t.done && t.due !== undefined && t.due.getTime() < today;
  return html`<li class="task ${t.done ? 'done' : ''}" data-task-id=${t.id}>
    <input type="checkbox" id="done-${t.id}" .checked=${t.done} ?disabled=${past}
      @change=${() => app.transact(toggleTx(t))}>
    <div class="task-body">
      <label for="done-${t.id}" class="task-title">${t.title}</label>
      <div class="meta">
        ${t.project && s.filter.kind !== 'project' ? html`<span class="chip">${t.project.name}</span>` : nothing}
        ${t.assignee ? html`<span class="who" title="Assignee">@${t.assignee.name}</span>` : nothing}
        ${t.due ? html`<span class="due ${overdue ? 'overdue' : ''}">${overdue ? 'overdue · ' : 'due '}${formatDate(t.due)}</span>` : nothing}
        ${t.tags.map((tag) => html`<button class="tag small" @click=${() => app.setFilter({ kind: 'tag', tag })}>#${tag}</button>`)}
      </div>
    </div>
    <div class="task-actions">
      <button class="ghost" aria-label="History of “${t.title}”" title="History" @click=${() => app.showHistory(t)}>History</button>
      ${
        past
          ? nothing
          : html`
        <button class="ghost edit" aria-label="Edit “${t.title}”" @click=${() => {
          app.edit(t.id);
          focusSoon(`#title-${t.id}`);
        }}>Edit</button>
        <button class="ghost danger" aria-label="Delete “${t.title}”" @click=${() => app.remove(t)}>Delete</button>`
      }
    </div>
  </li>`;
}

export function taskList(app: App, s: State): TemplateResult {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const open = s.tasks.filter((t) => !t.done).length;
  return html`
    <section class="tasks" aria-labelledby="tasks-heading">
      <header class="tasks-head">
        <h2 id="tasks-heading">${heading(s)}</h2>
        <p class="muted" aria-live="polite">${open} open · ${s.tasks.length - open} done</p>
      </header>
      ${s.travel === null ? addForm(app, s) : nothing}
      ${s.tasks.length === 0 ? html`<p class="empty">No tasks here${s.travel === null ? ' yet' : ' at this point in time'}.</p>` : nothing}
      <ul class="task-list" aria-label="Tasks">${repeat(
        s.tasks,
        (t) => t.id,
        (t) => taskItem(app, s, t, today),
      )}</ul>
    </section>`;
}
