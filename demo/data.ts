// The demo's data model: schema, sample data and every read and write the UI performs. Each
// view is one Datalog query or pull, written here as EDN text so the app doubles as a catalogue
// of how CairnDB is used. Nothing here touches the DOM.

// No `store`: the worker picks IndexedDB where it opens (else memory, with a warning the storage
// panel shows) and names the store after `name`, so every reload finds the same database.
// `npm run demo:sync` sets VITE_CAIRN_SYNC_URL: the demo then opens a synced replica of the
// server's `tasks` database instead (docs/sync.md); the server holds the schema and sample data.
const env = (import.meta as { env?: Record<string, string | undefined> }).env ?? {};
export const SYNC = env.VITE_CAIRN_SYNC_URL ? { url: env.VITE_CAIRN_SYNC_URL, token: env.VITE_CAIRN_SYNC_TOKEN ?? 'dev-token', db: 'tasks' } : null;
export const DB_CONFIG = SYNC
  ? { name: 'cairn-tasks-demo', store: { backend: 'indexeddb', id: 'cairn-tasks-synced' }, sync: SYNC }
  : ({ name: 'cairn-tasks-demo' } as const);

export const SCHEMA_TX = [
  {
    'db/ident': 'person/name',
    'db/valueType': 'db.type/string',
    'db/cardinality': 'db.cardinality/one',
    'db/unique': 'db.unique/identity',
    'db/doc': 'Who can be assigned a task',
  },
  {
    'db/ident': 'project/name',
    'db/valueType': 'db.type/string',
    'db/cardinality': 'db.cardinality/one',
    'db/unique': 'db.unique/identity',
    'db/doc': 'A project groups tasks',
  },
  {
    'db/ident': 'task/uuid',
    'db/valueType': 'db.type/uuid',
    'db/cardinality': 'db.cardinality/one',
    'db/unique': 'db.unique/identity',
    'db/doc':
      'Names a task on every device: writes refer to it by this, never by its entity id, which a synced device only knows once the server confirms the task',
  },
  { 'db/ident': 'task/title', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one', 'db/doc': 'What to do' },
  { 'db/ident': 'task/done', 'db/valueType': 'db.type/boolean', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'task/project', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'task/assignee', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'task/tags', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/many', 'db/index': true },
  { 'db/ident': 'task/due', 'db/valueType': 'db.type/instant', 'db/cardinality': 'db.cardinality/one' },
];

const DAY = 86_400_000;

/** A random UUID; crypto.randomUUID exists only in secure contexts (not on a LAN address over http). */
function newUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type Transact = (tx: unknown[]) => Promise<{ tempids: Record<string, number> }>;

/**
 * Sample data (the schema comes with createDatabase's initialTx), in a few transactions so the
 * time-travel slider has a story to tell.
 */
export async function seed(transact: Transact, now: Date): Promise<void> {
  const day = (n: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + n * DAY);
  const task = (id: string, title: string, project: unknown, assignee: unknown, tags: string[], due: number) => ({
    'db/id': id,
    'task/uuid': newUuid(),
    'task/title': title,
    'task/project': project,
    'task/assignee': assignee,
    'task/tags': tags,
    'task/done': false,
    'task/due': day(due),
  });
  const { tempids } = await transact([
    { 'db/id': 'ada', 'person/name': 'Ada' },
    { 'db/id': 'grace', 'person/name': 'Grace' },
    { 'db/id': 'linus', 'person/name': 'Linus' },
    { 'db/id': 'web', 'project/name': 'Website relaunch' },
    { 'db/id': 'sync', 'project/name': 'Offline sync' },
    { 'db/id': 'talk', 'project/name': 'Conference talk' },
    task('copy', 'Write the landing page copy', 'web', 'ada', ['writing'], 2),
    task('palette', 'Pick a colour palette', 'web', 'grace', ['design'], 1),
    task('cdn', 'Set up the CDN', 'web', 'linus', ['ops'], 5),
    task('idb', 'Store changes in IndexedDB', 'sync', 'linus', ['code'], 3),
    task('tabs', 'Handle two open tabs', 'sync', 'ada', ['code', 'testing'], 6),
    task('abstract', 'Draft the abstract', 'talk', 'grace', ['writing'], -1),
    task('train', 'Book the train', 'talk', 'ada', ['travel'], 9),
  ]);
  // Later edits use lookup refs and the ids the first transaction assigned.
  await transact([
    task('video', 'Record a demo video', ['project/name', 'Conference talk'], ['person/name', 'Linus'], ['video'], 12),
    ['db/add', tempids['palette'], 'task/done', true],
  ]);
  await transact([
    ['db/add', tempids['abstract'], 'task/done', true],
    ['db/retract', tempids['tabs'], 'task/assignee', tempids['ada']],
    ['db/add', tempids['tabs'], 'task/assignee', tempids['grace']],
  ]);
}

// ---- queries (EDN) ----

export const Q = {
  projects: '[:find ?p ?name :where [?p :project/name ?name]]',
  openCounts: '[:find ?p (count ?t) :where [?t :task/project ?p] [?t :task/done false]]',
  people: '[:find ?e ?name :where [?e :person/name ?name]]',
  tags: '[:find [?tag ...] :where [?t :task/tags ?tag]]',
  allTasks: '[:find [?t ...] :where [?t :task/title]]',
  projectTasks: '[:find [?t ...] :in $ ?p :where [?t :task/project ?p]]',
  taggedTasks: '[:find [?t ...] :in $ ?tag :where [?t :task/tags ?tag]]',
  transactions: '[:find ?tx ?inst :where [?tx :db/txInstant ?inst]]',
  /** Run against the history view: every datom one transaction asserted or retracted. */
  txChanges: '[:find ?e ?a ?v ?added :in $ ?tx :where [?e ?a ?v ?tx ?added]]',
} as const;

/** The task rows a filter shows, pulled in the query itself (one live query per view). */
export function taskRowsQuery(filter: { readonly kind: 'all' } | { readonly kind: 'project' } | { readonly kind: 'tag' }): string {
  const find = `[:find [(pull ?t ${TASK_PULL}) ...]`;
  switch (filter.kind) {
    case 'all':
      return `${find} :where [?t :task/title]]`;
    case 'project':
      return `${find} :in $ ?p :where [?t :task/project ?p]]`;
    case 'tag':
      return `${find} :in $ ?tag :where [?t :task/tags ?tag]]`;
    default: {
      const never: never = filter;
      throw new Error(`unknown filter ${String(never)}`);
    }
  }
}

export const TASK_PULL =
  '[:db/id :task/uuid :task/title :task/done :task/due :task/tags {:task/project [:db/id :project/name]} {:task/assignee [:db/id :person/name]}]';

export const EXAMPLE_QUERIES: readonly { label: string; kind: 'query' | 'pull'; text: string; eid?: string }[] = [
  {
    label: 'Open tasks per person',
    kind: 'query',
    text: '[:find ?name (count ?t)\n :where [?t :task/assignee ?p]\n        [?p :person/name ?name]\n        [?t :task/done false]]',
  },
  {
    label: "Grace's tasks by project",
    kind: 'query',
    text: '[:find ?project ?title\n :where [?p :person/name "Grace"]\n        [?t :task/assignee ?p]\n        [?t :task/title ?title]\n        [?t :task/project ?pr]\n        [?pr :project/name ?project]]',
  },
  { label: 'Tags with :keys', kind: 'query', text: '[:find ?tag (count ?t)\n :keys tag tasks\n :where [?t :task/tags ?tag]]' },
  {
    label: 'Pull a project with its tasks',
    kind: 'pull',
    text: '[:project/name {:task/_project [:task/title :task/done]}]',
    eid: '[:project/name "Offline sync"]',
  },
];

// ---- shapes the UI works with ----

export interface Task {
  readonly id: number;
  /** Absent on tasks written before the demo gave each one. */
  readonly uuid?: string;
  readonly title: string;
  readonly done: boolean;
  readonly due?: Date;
  readonly tags: readonly string[];
  readonly project?: { readonly id: number; readonly name: string };
  readonly assignee?: { readonly id: number; readonly name: string };
}

export function toTask(p: Record<string, unknown>): Task {
  const ref = (x: unknown, attr: string) => {
    const o = x as Record<string, unknown> | undefined;
    return o && typeof o['db/id'] === 'number' ? { id: o['db/id'], name: String(o[attr] ?? '') } : undefined;
  };
  const due = p['task/due'];
  return {
    id: p['db/id'] as number,
    ...(typeof p['task/uuid'] === 'string' ? { uuid: p['task/uuid'] } : {}),
    title: String(p['task/title'] ?? ''),
    done: p['task/done'] === true,
    due: due instanceof Date ? due : typeof due === 'string' || typeof due === 'number' ? new Date(due) : undefined,
    tags: Array.isArray(p['task/tags']) ? (p['task/tags'] as unknown[]).map(String).sort() : [],
    project: ref(p['task/project'], 'project/name'),
    assignee: ref(p['task/assignee'], 'person/name'),
  };
}

/** Open tasks first, then by due date (undated last), then by title. */
export function compareTasks(a: Task, b: Task): number {
  if (a.done !== b.done) return a.done ? 1 : -1;
  const da = a.due?.getTime() ?? Infinity;
  const db = b.due?.getTime() ?? Infinity;
  if (da !== db) return da < db ? -1 : 1;
  return a.title.localeCompare(b.title);
}

// ---- writes ----

export interface TaskDraft {
  readonly title: string;
  readonly project: { readonly id: number; readonly name: string };
  readonly assignee?: { readonly id: number; readonly name: string };
  readonly tags: readonly string[];
  readonly due?: Date;
}

// Writes name entities by identity (lookup refs), never by entity id: on a synced device an id
// is provisional until the server confirms the transaction that made it (docs/sync.md), and a
// write naming one is refused rather than sent to whatever entity has that id on the server.
const taskRef = (t: Task): unknown => (t.uuid === undefined ? t.id : ['task/uuid', t.uuid]);
const projectRef = (p: { readonly name: string }): unknown => ['project/name', p.name];
const personRef = (p: { readonly name: string }): unknown => ['person/name', p.name];

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\s]+/)
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

export function addTaskTx(d: TaskDraft): unknown[] {
  return [
    {
      'db/id': 'new-task',
      'task/uuid': newUuid(),
      'task/title': d.title,
      'task/done': false,
      'task/project': projectRef(d.project),
      ...(d.assignee === undefined ? {} : { 'task/assignee': personRef(d.assignee) }),
      ...(d.tags.length ? { 'task/tags': [...d.tags] } : {}),
      ...(d.due ? { 'task/due': d.due } : {}),
    },
  ];
}

/** The tx that turns `before` into the draft: set what changed, retract what was removed. */
export function editTaskTx(before: Task, d: TaskDraft): unknown[] {
  const e = taskRef(before);
  const tx: unknown[] = [];
  const set: Record<string, unknown> = {};
  if (d.title !== before.title) set['task/title'] = d.title;
  if (d.project.id !== before.project?.id) set['task/project'] = projectRef(d.project);
  if (d.assignee?.id !== before.assignee?.id) {
    if (d.assignee === undefined) tx.push(['db/retract', e, 'task/assignee', personRef(before.assignee!)]);
    else set['task/assignee'] = personRef(d.assignee);
  }
  if (d.due?.getTime() !== before.due?.getTime()) {
    if (d.due === undefined) tx.push(['db/retract', e, 'task/due', before.due!]);
    else set['task/due'] = d.due;
  }
  const added = d.tags.filter((t) => !before.tags.includes(t));
  for (const t of before.tags) if (!d.tags.includes(t)) tx.push(['db/retract', e, 'task/tags', t]);
  if (added.length) set['task/tags'] = added;
  if (Object.keys(set).length) tx.unshift({ 'db/id': e, ...set });
  return tx;
}

export const toggleTx = (t: Task): unknown[] => [['db/add', taskRef(t), 'task/done', !t.done]];
export const removeTaskTx = (t: Task): unknown[] => [['db/retractEntity', taskRef(t)]];
export const addProjectTx = (name: string): unknown[] => [{ 'project/name': name }];

/** An entity id as typed in the console: a number, a lookup ref in EDN, or an ident keyword. */
export function parseEid(text: string): number | [string, string | number] | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^\[\s*:?([\w./-]+)\s+(?:"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?))\s*\]$/.exec(t);
  if (m) return [m[1]!, m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : Number(m[3])];
  return t.replace(/^:/, '');
}
