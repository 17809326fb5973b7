// Turning query and pull results into something a table can show. Results are plain data
// (docs/api.md): a relation is an array of arrays, `[?x ...]` an array, `?x .` a scalar, `:keys` an
// array of objects, a pull an object. `toTable` recognises each shape.

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

export function formatDate(d: Date): string {
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

export function formatTime(d: Date): string {
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** EDN-ish text for any value: keywords stay ':a/b', strings are quoted inside collections. */
export function formatValue(v: unknown, nested = false): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Date) return `#inst "${v.toISOString()}"`;
  if (typeof v === 'string') return nested && !v.startsWith(':') ? JSON.stringify(v) : v;
  if (typeof v === 'bigint') return `${v}N`;
  if (v instanceof Uint8Array) return `#bytes[${v.length}]`;
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, true)).join(' ')}]`;
  if (v instanceof Set) return `#{${[...v].map((x) => formatValue(x, true)).join(' ')}}`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `:${k} ${formatValue(x, true)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(v);
}

/** The elements of the :find clause as written ('?name', '(count ?t)'), for column headers. */
export function findColumns(query: string): string[] {
  const m = /:find\s+([\s\S]*?)\s*(?=:keys|:syms|:strs|:in\b|:with|:where|\]\s*$)/.exec(query);
  if (!m) return [];
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of m[1]!.trim()) {
    if (/\s/.test(ch) && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export function toTable(result: unknown, query: string): Table {
  const names = findColumns(query);
  const first = names[0] ?? '';
  if (first.startsWith('[') && Array.isArray(result)) {
    const inner = findColumns(`:find ${first.slice(1, -1)} :where`);
    // `[?x ...]` is a collection (one column); `[?a ?b]` a single tuple (one row).
    if (inner.at(-1) === '...') return { columns: [inner[0] ?? 'value'], rows: result.map((v) => [v]) };
    return { columns: inner, rows: result.length ? [result] : [] };
  }
  if (Array.isArray(result)) {
    if (result.every((r) => Array.isArray(r))) {
      const width = Math.max(names.length, ...result.map((r: unknown[]) => r.length));
      return { columns: Array.from({ length: width }, (_, i) => names[i] ?? `col ${i + 1}`), rows: result };
    }
    if (result.every((r) => r !== null && typeof r === 'object' && !(r instanceof Date))) {
      const cols = [...new Set(result.flatMap((r) => Object.keys(r as object)))];
      return { columns: cols, rows: result.map((r) => cols.map((c) => (r as Record<string, unknown>)[c])) };
    }
    return { columns: [first || 'value'], rows: result.map((r) => [r]) };
  }
  if (result !== null && typeof result === 'object' && !(result instanceof Date)) {
    return { columns: ['attribute', 'value'], rows: Object.entries(result).map(([k, v]) => [`:${k}`, v]) };
  }
  return { columns: [first || 'value'], rows: [[result]] };
}

/** Where a parse error points, from whatever position fields the error data carries. */
export function errorPosition(data: Record<string, unknown> | undefined): string | undefined {
  if (!data) return undefined;
  const num = (k: string) => (typeof data[k] === 'number' ? (data[k] as number) : undefined);
  const line = num('line');
  const col = num('column') ?? num('col');
  if (line !== undefined && col !== undefined) return `line ${line}, column ${col}`;
  const off = num('offset') ?? num('position') ?? num('pos') ?? num('index');
  return off === undefined ? undefined : `character ${off}`;
}
