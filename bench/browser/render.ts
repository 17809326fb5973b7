// `node --import tsx bench/browser/render.ts [browser|node]`: print the figures of
// bench/results/browser.json and/or bench/results/node.json as the Markdown tables of
// docs/PERFORMANCE.md.

import { existsSync, readFileSync } from 'node:fs';
import type { Comparison } from '../harness.js';
import type { Row } from './report.js';

const only = process.argv[2];
const fmt = (x: number): string => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));

if (only !== 'node' && existsSync('bench/results/browser.json')) {
  const b = JSON.parse(readFileSync('bench/results/browser.json', 'utf8')) as { machine: Record<string, unknown>; rows: (Row & { met?: boolean })[] };
  console.log(`Browser (${String(b.machine['browser'])}; ${String(b.machine['cpu'])}, ${String(b.machine['cores'])} cores; ${String(b.machine['date'])})\n`);
  console.log('| workload | CairnDB | peer / floor | unit | ratio | target |');
  console.log('|---|---:|---|---|---:|---|');
  for (const r of b.rows) {
    const target =
      r.target === undefined ? '' : `${r.met ? 'met' : '**missed**'} (${r.target.atLeast !== undefined ? `≥ ${r.target.atLeast}` : `≤ ${r.target.atMost}`}x)`;
    console.log(
      `| ${r.workload}${r.note ? ` <br><sub>${r.note}</sub>` : ''} | ${fmt(r.cairn)} | ${fmt(r.peer)} (${r.peerName}) | ${r.unit} | ${r.ratio.toFixed(2)}x <sub>${r.ratioOf}</sub> | ${target} |`,
    );
  }
}

if (only !== 'browser' && existsSync('bench/results/node.json')) {
  const n = JSON.parse(readFileSync('bench/results/node.json', 'utf8')) as {
    machine: Record<string, unknown>;
    results: Record<string, Comparison[]>;
    storage?: Record<string, number>;
  };
  console.log(`\nNode (${String(n.machine['node'])}; ${String(n.machine['cpu'])}, ${String(n.machine['cores'])} cores; ${String(n.machine['date'])})\n`);
  console.log('| section | workload | CairnDB ms | DataScript ms | DataScript / CairnDB | target |');
  console.log('|---|---|---:|---:|---:|---|');
  for (const [section, rows] of Object.entries(n.results)) {
    for (const r of rows) {
      // Judged as the bench judges: by CPU time where it measured it (the query rows).
      const judged = r.cpuRatio ?? r.ratio;
      const target = r.target === undefined ? '' : `${judged >= r.target ? 'met' : '**missed**'} (≥ ${r.target}x)`;
      const ratio = `${r.ratio.toFixed(2)}x${r.cpuRatio === undefined ? '' : ` <sub>CPU ${r.cpuRatio.toFixed(2)}x</sub>`}`;
      console.log(`| ${section} | ${r.workload} | ${fmt(r.cairnMs)} | ${fmt(r.datascriptMs)} | ${ratio} | ${target} |`);
    }
  }
  if (n.storage !== undefined) {
    console.log('\n| storage (file backend, 1M datoms) | value |');
    console.log('|---|---:|');
    for (const [k, v] of Object.entries(n.storage)) console.log(`| ${k} | ${fmt(v)} |`);
  }
}
