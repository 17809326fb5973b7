// The fenced code examples of the docs, as programs the tests run (test/docs.test.ts in Node,
// test/docs.browser.test.ts in Chromium). Plain string work, so both environments share it.
//
// A ```ts block (```tsx: with JSX) runs as written, on its own, in Node. An HTML comment on the line before the
// fence (invisible when the Markdown is rendered; the prose around the block says the same to
// the reader) changes that, with comma-separated directives:
//   continues        runs after the blocks before it in the same file, as one program
//   setup NAME       runs after a setup the test provides (SETUPS below says what each defines)
//   browser          runs in Chromium instead of Node
//   excerpt PATH     is a quote of PATH: every line of it appears there, in order
//   declarations     declares types only (nothing to run beyond loading it)
//   checked-by PATH  is compiled and run by the test at PATH, which reads it from this doc
// Fences in another language (```sh commands, plain ``` diagrams) are not programs.

export const DOC_FILES = [
  'README.md',
  'docs/api.md',
  'docs/architecture.md',
  'docs/backends.md',
  'docs/indexes.md',
  'docs/storage.md',
  'docs/PERFORMANCE.md',
  'worker/README.md',
] as const;

export interface Example {
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly continues: boolean;
  readonly setups: readonly string[];
  readonly browser: boolean;
  readonly excerpt: string | null;
  readonly declarations: boolean;
  readonly checkedBy: string | null;
}

const DIRECTIVE = /^<!--\s*example:\s*(.*?)\s*-->$/;
const RUNNABLE = new Set(['ts', 'js', 'typescript', 'javascript', 'tsx']);

export function examples(doc: string, text: string): Example[] {
  const lines = text.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(?:\s+\S.*)?$/.exec(lines[i]!); // info after the language (file=...) allowed
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${doc}:${start + 1}: unclosed code fence`);
    const directives = (DIRECTIVE.exec(lines[start - 1]?.trim() ?? '')?.[1] ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const setups: string[] = [];
    let continues = false;
    let browser = false;
    let excerpt: string | null = null;
    let declarations = false;
    let checkedBy: string | null = null;
    for (const d of directives) {
      const [word, arg] = d.split(/\s+/, 2) as [string, string | undefined];
      if (word === 'continues') continues = true;
      else if (word === 'browser') browser = true;
      else if (word === 'declarations') declarations = true;
      else if (word === 'setup' && arg) setups.push(arg);
      else if (word === 'excerpt' && arg) excerpt = arg;
      else if (word === 'checked-by' && arg) checkedBy = arg;
      else throw new Error(`${doc}:${start}: unknown example directive "${d}"`);
    }
    out.push({ doc, line: start + 1, lang: open[1]!, code: body.join('\n'), continues, setups, browser, excerpt, declarations, checkedBy });
  }
  return out;
}

export const isProgram = (e: Example): boolean => RUNNABLE.has(e.lang) && e.excerpt === null && e.checkedBy === null;

/** A program to run: blocks joined by `continues`, with the setups they ask for. */
export interface Chain {
  readonly doc: string;
  readonly lines: readonly number[];
  readonly setups: readonly string[];
  readonly browser: boolean;
  /** Some block is ```tsx: the program is written as a .tsx file. */
  readonly jsx: boolean;
  readonly code: string;
}

export function chains(list: readonly Example[]): Chain[] {
  const out: { doc: string; lines: number[]; setups: string[]; browser: boolean; jsx: boolean; parts: string[] }[] = [];
  for (const e of list.filter(isProgram)) {
    const last = out[out.length - 1];
    if (e.continues) {
      if (last === undefined || last.doc !== e.doc) throw new Error(`${e.doc}:${e.line}: 'continues' with no block before it`);
      last.lines.push(e.line);
      last.parts.push(e.code);
      for (const s of e.setups) if (!last.setups.includes(s)) last.setups.push(s);
      last.browser ||= e.browser;
      last.jsx ||= e.lang === 'tsx';
    } else {
      out.push({ doc: e.doc, lines: [e.line], setups: [...e.setups], browser: e.browser, jsx: e.lang === 'tsx', parts: [e.code] });
    }
  }
  return out.map((c) => ({ doc: c.doc, lines: c.lines, setups: c.setups, browser: c.browser, jsx: c.jsx, code: c.parts.join('\n') }));
}

/** Every line of `excerpt` (trimmed, blank lines aside) appears in `source`, in order. */
export function isExcerptOf(excerpt: string, source: string): boolean {
  const have = source.split('\n').map((l) => l.trim());
  let at = 0;
  for (const line of excerpt
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const found = have.indexOf(line, at);
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

/** Point the package's entry points at files: `cairndb/client` -> `map['cairndb/client']`. */
export function rewriteImports(code: string, map: Readonly<Record<string, string>>): string {
  return code.replace(/(from\s+|import\s*\(\s*)(['"])(cairndb(?:\/[\w-]+)?)\2/g, (_whole, pre: string, q: string, spec: string) => {
    const target = map[spec];
    if (target === undefined) throw new Error(`no mapping for the import of ${spec}`);
    return `${pre}${q}${target}${q}`;
  });
}

/**
 * The setups examples may ask for, as code run before them; `imports` maps the package's
 * entries to files. What each provides is said in the doc's prose next to the example.
 */
export function setupCode(name: string, imports: Readonly<Record<string, string>>, unique: string): string {
  const engine = imports['cairndb']!;
  const src = engine.replace(/index\.ts$/, '');
  switch (name) {
    // every public function of `cairndb`, the types Db and TxReport, and `conn`: a connection to a new memory db
    case 'conn':
      return [
        `import * as cairndb from '${engine}';`,
        `import type { Db, TxReport } from '${engine}';`,
        `const { createDatabase, deleteDatabase, databaseExists, connect, release, db, transact, q, pull, pullMany, entity, datoms, seekDatoms, indexRange, history, asOf, since, withDb, listen, schema, reverseSchema, gcStorage, storeSize, registerBackend, registerIndex, kw, filter, explain, queryStats, exportDb, importDb, registerTxFunction, liveQuery, livePull, syncStatus, onSync } = cairndb;`,
        `const conn = await (async () => { const config = { store: { backend: 'memory', id: '${unique}' } }; await createDatabase(config); return connect(config); })();`,
      ].join('\n');
    // myBackend (a store backend) and myIndexFactory (an index implementation)
    case 'extensions':
      return [
        `import { createMemoryBackend as __memoryBackend } from '${src}store/memory.ts';`,
        `import { persistentSet as myIndexFactory } from '${src}indices/persistent-set/index.ts';`,
        'const myBackend = __memoryBackend();',
      ].join('\n');
    // the worked example of docs/backends.md: createWebStorageBackend and MapStorage
    case 'webstorage':
      return `import { createWebStorageBackend, MapStorage } from '${src}store/example-backend.ts';`;
    default:
      throw new Error(`unknown example setup ${name}`);
  }
}

/** The module to run for a chain: setups first, then the blocks, imports pointed at files. */
export function program(chain: Chain, imports: Readonly<Record<string, string>>, unique: string): string {
  const setups = chain.setups.map((s) => setupCode(s, imports, `${unique}-${s}`));
  return `${[...setups, rewriteImports(chain.code, imports)].join('\n')}\nexport {};\n`;
}
