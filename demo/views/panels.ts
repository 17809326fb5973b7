// The "look inside" side of the demo: the time-travel bar over the transaction log, and the
// tabbed panels: query console, an entity's history, the schema, and storage.
import { html, nothing, type TemplateResult } from 'lit';
import type { App, Change, Panel, State } from '../app.js';
import { EXAMPLE_QUERIES } from '../data.js';
import { errorPosition, formatDate, formatTime, formatValue, toTable, type Table } from '../format.js';

export function timeTravel(app: App, s: State): TemplateResult {
  if (s.txs.length === 0) return html``;
  const last = s.txs.length - 1;
  const index =
    s.travel === null
      ? last
      : Math.max(
          0,
          s.txs.findIndex((t) => t.tx === s.travel),
        );
  const at = s.txs[index]!;
  const input = (ev: Event) => app.travelTo(s.txs[Number((ev.target as HTMLInputElement).value)]?.tx ?? null);
  return html`
    <section class="travel card ${s.travel === null ? '' : 'past'}" aria-label="Time travel">
      <label for="travel">Time travel</label>
      <input id="travel" type="range" min="0" max=${last} .value=${String(index)} @input=${input}
        aria-valuetext="Transaction ${index + 1} of ${last + 1}">
      <p class="travel-label" aria-live="polite">
        ${
          s.travel === null
            ? html`<strong>Now</strong> · ${last + 1} transactions`
            : html`<strong>As of transaction ${index + 1} of ${last + 1}</strong> · tx ${at.tx} · ${formatTime(at.inst)} · read-only
              <button class="link" @click=${() => app.travelTo(null)}>Back to now</button>`
        }
      </p>
      ${txChanges(s)}
    </section>`;
}

/** The datoms of the transaction on the slider, with entities and refs shown by name. */
function txChanges(s: State): TemplateResult {
  if (s.txChanges.length === 0) return html``;
  const names = new Map<number, string>([...s.people, ...s.projects].map((n) => [n.id, n.name]));
  for (const t of s.tasks) names.set(t.id, t.title);
  // A deleted entity is no longer in the views; its retracted datoms still carry its name.
  for (const c of s.txChanges) {
    if (c.a === 'task/title' || c.a === 'person/name' || c.a === 'project/name') names.set(c.e, String(c.v));
  }
  const value = (c: Change) =>
    (c.a === 'task/assignee' || c.a === 'task/project') && typeof c.v === 'number'
      ? (names.get(c.v) ?? `#${c.v}`)
      : c.v instanceof Date
        ? formatDate(c.v)
        : formatValue(c.v);
  return html`<div class="tx-changes">
    <p class="muted">${s.travel === null ? 'Latest transaction' : 'This transaction'}: ${s.txChanges.length} datoms</p>
    <ul aria-label="Datoms in this transaction">${s.txChanges.map(
      (c) => html`<li class=${c.added ? 'added' : 'retracted'}>
      <span class="op" aria-label=${c.added ? 'asserted' : 'retracted'}>${c.added ? '+' : '−'}</span>
      <span class="ent">${names.get(c.e) ?? (c.a.startsWith('db/') ? 'schema' : `#${c.e}`)}</span>
      <code>:${c.a}</code> <span class="val">${value(c)}</span></li>`,
    )}</ul>
  </div>`;
}

const TABS: readonly { id: Panel; label: string }[] = [
  { id: 'console', label: 'Query' },
  { id: 'history', label: 'History' },
  { id: 'schema', label: 'Schema' },
  { id: 'storage', label: 'Storage' },
];

export function panels(app: App, s: State): TemplateResult {
  // Arrow keys move between tabs, as the ARIA tabs pattern expects.
  const keydown = (ev: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === s.panel);
    const step = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = TABS[(i + step + TABS.length) % TABS.length]!;
    app.openPanel(next.id);
    requestAnimationFrame(() => document.getElementById(`tab-${next.id}`)?.focus());
  };
  return html`
    <aside class="inspector card">
      <div role="tablist" aria-label="Inspect the database" @keydown=${keydown}>
        ${TABS.map(
          (t) => html`<button role="tab" id="tab-${t.id}" aria-selected=${s.panel === t.id}
          aria-controls="panel-${t.id}" tabindex=${s.panel === t.id ? 0 : -1} @click=${() => app.openPanel(t.id)}>${t.label}</button>`,
        )}
      </div>
      ${TABS.map(
        (t) => html`<div role="tabpanel" id="panel-${t.id}" aria-labelledby="tab-${t.id}" class="panel"
        ?hidden=${s.panel !== t.id}>${s.panel === t.id ? panelBody(app, s) : nothing}</div>`,
      )}
    </aside>`;
}

function panelBody(app: App, s: State): TemplateResult {
  switch (s.panel) {
    case 'console':
      return queryConsole(app, s);
    case 'history':
      return history(s);
    case 'schema':
      return schema(s);
    case 'storage':
      return storage(app, s);
    default: {
      const never: never = s.panel;
      return html`${String(never)}`;
    }
  }
}

export function table(t: Table, caption: string): TemplateResult {
  return html`<div class="table-wrap"><table>
    <caption class="sr-only">${caption}</caption>
    <thead><tr>${t.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
    <tbody>${t.rows.map((r) => html`<tr>${r.map((v) => html`<td>${formatValue(v)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

function queryConsole(app: App, s: State): TemplateResult {
  const c = s.console;
  const run = (ev: Event) => {
    ev.preventDefault();
    void app.runConsole();
  };
  const keydown = (ev: KeyboardEvent) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) run(ev);
  };
  // Switching kind swaps in an example of that kind, unless the text already is one.
  const switchKind = (kind: 'query' | 'pull') => {
    const isQuery = /:find\b/.test(c.text);
    const example = EXAMPLE_QUERIES.find((e) => e.kind === kind)!;
    const swap = kind === 'pull' ? isQuery : !isQuery;
    app.draft({ kind, ...(swap ? { text: example.text, eid: c.eid || (example.eid ?? '') } : {}) }, true);
  };
  const out = c.outcome;
  const result = !out
    ? nothing
    : out.ok
      ? (() => {
          const t = toTable(out.value, out.text);
          return html`<p class="muted" role="status">${t.rows.length} ${t.rows.length === 1 ? 'row' : 'rows'} · ${out.ms.toFixed(1)} ms</p>${table(t, 'Query result')}`;
        })()
      : html`<div class="error" role="alert">
        <strong>${out.error.code ?? 'Error'}</strong>
        ${errorPosition(out.error.data) ? html`<span class="pos">at ${errorPosition(out.error.data)}</span>` : nothing}
        <p>${out.error.message}</p></div>`;
  return html`
    <form class="console" @submit=${run} @keydown=${keydown} aria-label="Query console">
      <fieldset class="segmented"><legend class="sr-only">Kind</legend>
        ${(['query', 'pull'] as const).map(
          (k) => html`<label><input type="radio" name="kind" value=${k}
          .checked=${c.kind === k} @change=${() => switchKind(k)}>${k === 'query' ? 'Datalog query' : 'Pull'}</label>`,
        )}
      </fieldset>
      <label for="console-text">${c.kind === 'query' ? 'Query (EDN)' : 'Pull pattern (EDN)'}</label>
      <textarea id="console-text" rows="7" spellcheck="false" .value=${c.text}
        @input=${(ev: Event) => app.draft({ text: (ev.target as HTMLTextAreaElement).value })}></textarea>
      ${
        c.kind === 'pull'
          ? html`
        <label for="console-eid">Entity (id, lookup ref or ident)</label>
        <input id="console-eid" .value=${c.eid} placeholder='[:project/name "Offline sync"]' spellcheck="false"
          @input=${(ev: Event) => app.draft({ eid: (ev.target as HTMLInputElement).value })}>`
          : nothing
      }
      <div class="console-actions">
        <button class="primary" ?disabled=${c.running}>Run</button>
        <span class="muted">Ctrl+Enter · runs against ${s.travel === null ? 'the current db' : 'the db as of the slider'}</span>
      </div>
      <details class="examples"><summary>Examples</summary><ul>
        ${EXAMPLE_QUERIES.map(
          (e) => html`<li><button type="button" class="link"
          @click=${() => app.draft({ kind: e.kind, text: e.text, eid: e.eid ?? '' }, true)}>${e.label}</button></li>`,
        )}
      </ul></details>
    </form>
    <div class="console-result" aria-live="polite">${result}</div>`;
}

function history(s: State): TemplateResult {
  const h = s.history;
  if (!h) return html`<p class="muted">Choose <em>History</em> on a task to see every change made to it.</p>`;
  const when = new Map(s.txs.map((t, i) => [t.tx, `#${i + 1} ${formatTime(t.inst)}`]));
  const names = new Map([...s.people, ...s.projects].map((n) => [n.id, n.name]));
  const show = (a: string, v: unknown) =>
    (a === 'task/assignee' || a === 'task/project') && typeof v === 'number' ? `${names.get(v) ?? v}` : v instanceof Date ? formatDate(v) : formatValue(v);
  return html`
    <h3>${h.task.title} <span class="muted">(entity ${h.task.id})</span></h3>
    <ol class="history">
      ${h.rows.map(
        (r) => html`<li class=${r.added ? 'added' : 'retracted'}>
        <span class="op" aria-label=${r.added ? 'asserted' : 'retracted'}>${r.added ? '+' : '−'}</span>
        <code>:${r.a}</code> <span class="val">${show(r.a, r.v)}</span>
        <span class="muted tx">${when.get(r.tx) ?? `tx ${r.tx}`}</span></li>`,
      )}
    </ol>`;
}

function schema(s: State): TemplateResult {
  if (!s.schema) return html`<p class="muted">Loading…</p>`;
  const attrs = Object.entries(s.schema).sort(([a], [b]) => a.localeCompare(b));
  const short = (v: unknown) => (v === undefined ? '' : formatValue(v).replace(/^:?db\.(type|cardinality|unique)\//, ''));
  return html`<div class="table-wrap"><table class="schema">
    <caption class="sr-only">Schema</caption>
    <thead><tr><th scope="col">attribute</th><th scope="col">type</th><th scope="col">card.</th><th scope="col">flags</th></tr></thead>
    <tbody>${attrs.map(
      ([a, d]) => html`<tr><td><code>:${a.replace(/^:/, '')}</code>
        ${d['db/doc'] ? html`<div class="doc">${d['db/doc']}</div>` : nothing}</td>
      <td>${short(d['db/valueType'])}</td><td>${short(d['db/cardinality'])}</td>
      <td>${short(d['db/unique']) || (d['db/index'] === true ? 'index' : '')}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

function bytes(n: unknown): string {
  if (typeof n !== 'number') return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function storage(app: App, s: State): TemplateResult {
  const st = s.storage;
  if (!st) return html`<p class="muted">Loading…</p>`;
  const info = st.info;
  const est = info['estimate'] as { usage?: unknown; quota?: unknown } | null | undefined;
  return html`<dl class="facts">
      <div><dt>Backend</dt><dd data-testid="backend">${String(info['backend'] ?? 'unknown')}</dd></div>
      <div><dt>Datoms</dt><dd data-testid="datom-count">${st.datoms}</dd></div>
      <div><dt>Persisted</dt><dd>${info['persisted'] === true ? 'yes' : 'no (the browser may evict it)'}</dd></div>
      <div><dt>Estimate</dt><dd>${est ? `${bytes(est.usage)} of ${bytes(est.quota)}` : 'not available'}</dd></div>
    </dl>
    ${info['warning'] ? html`<p class="error">${String(info['warning'])}</p>` : nothing}
    ${info['persisted'] === true ? nothing : html`<button class="ghost" @click=${() => app.requestPersistence()}>Request persistent storage</button>`}`;
}
