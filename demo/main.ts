// Boot: start the worker, open (or create and seed) the database, and render the app on every
// state change. Rendering is batched per microtask, not per animation frame: a hidden tab gets
// no frames but must stay current for when it is shown. lit only touches the DOM that changed.
import { html, nothing, render } from 'lit';
import { openWorker } from '../worker/client.js';
import { App } from './app.js';
import { panels, timeTravel } from './views/panels.js';
import { sidebar, taskList } from './views/tasks.js';
import './style.css';

// With no argument the client starts its own module worker (bundled by Vite from the client's
// `new Worker(new URL(...))`); `ready` settles after the worker's handshake.
const client = openWorker();
const app = new App(client);
const root = document.getElementById('app')!;

async function reset(): Promise<void> {
  if (confirm('Delete the database and start again with the sample data?')) await app.reset();
}

/** True once the service worker (production build only) controls this page. */
const offlineReady = () => Boolean(navigator.serviceWorker?.controller);

function view() {
  const s = app.state;
  return html`
    <header class="topbar">
      <div class="brand">
        <img src="icon.svg" alt="" width="32" height="32">
        <div><h1>Cairn Tasks</h1><p class="muted">Every view is a Datalog query over CairnDB, stored in your browser.</p></div>
      </div>
      <div class="top-actions">
        ${offlineReady() ? html`<span class="pill" title="A service worker keeps the app available without a network">Works offline</span>` : nothing}
        <span class="pill ${s.phase}" role="status">${s.phase === 'ready' ? 'Ready' : s.phase === 'starting' ? 'Opening…' : 'Failed'}</span>
        <button class="ghost danger" @click=${reset} ?disabled=${s.phase === 'starting'}>Reset database</button>
      </div>
    </header>
    ${
      s.notice
        ? html`<div class="notice ${s.notice.kind}" role=${s.notice.kind === 'error' ? 'alert' : 'status'}>
      <span>${s.notice.text}
        ${s.notice.action ? html`<button class="link" @click=${s.notice.action.run}>${s.notice.action.label}</button>` : nothing}</span>
      <button class="link dismiss" aria-label="Dismiss" @click=${() => app.dismiss()}>×</button></div>`
        : nothing
    }
    <main class="layout" aria-busy=${s.phase === 'starting'}>
      ${sidebar(app, s)}
      <div class="center">${timeTravel(app, s)}${taskList(app, s)}</div>
      ${panels(app, s)}
    </main>`;
}

let scheduled = false;
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    render(view(), root);
  });
}
app.subscribe(schedule);
navigator.serviceWorker?.addEventListener('controllerchange', schedule);
root.textContent = ''; // drop the static boot message; lit owns the container from here
render(view(), root);
await app.start();
// Exposed for poking at the database from the devtools console: `cairnDemo.client.q(...)`.
Object.assign(globalThis, { cairnDemo: app });
