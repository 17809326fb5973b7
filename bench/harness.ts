// A thin layer over tinybench: run CairnDB and DataScript on the same workload in one Bench
// (same process, same warm-up), and report medians and the ratio DataScript / CairnDB
// (above 1 means CairnDB is faster).

import { Bench } from 'tinybench';

export interface Comparison {
  readonly workload: string;
  readonly cairnMs: number;
  readonly datascriptMs: number;
  readonly ratio: number; // datascript / cairn
  readonly target?: number;
  readonly note?: string;
  /** Median CPU time of the process per call (compareAlternating): what the call cost, without the waits of a loaded machine. */
  readonly cairnCpuMs?: number;
  readonly datascriptCpuMs?: number;
  /** datascriptCpuMs / cairnCpuMs. */
  readonly cpuRatio?: number;
}

export interface CompareOptions {
  readonly iterations?: number;
  readonly warmup?: number;
  readonly target?: number;
  readonly note?: string;
}

/** One workload's figures: the medians, their ratio and the options worth reporting. */
function comparison(workload: string, cairnMs: number, datascriptMs: number, opts: CompareOptions): Comparison {
  return {
    workload,
    cairnMs,
    datascriptMs,
    ratio: datascriptMs / cairnMs,
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.note !== undefined ? { note: opts.note } : {}),
  };
}

export async function compare(workload: string, cairn: () => unknown, datascript: () => unknown, opts: CompareOptions = {}): Promise<Comparison> {
  const bench = new Bench({
    name: workload,
    iterations: opts.iterations ?? 20,
    time: 0,
    warmupIterations: opts.warmup ?? 3,
    warmupTime: 0,
  });
  bench.add('cairndb', cairn).add('datascript', datascript);
  await bench.run();
  const median = (name: string): number => {
    const r = bench.getTask(name)?.result as { state?: string; error?: unknown; latency?: { p50: number } } | undefined;
    if (r?.state === 'errored' || r?.latency === undefined) throw new Error(`${workload} / ${name} failed: ${String(r?.error ?? r?.state)}`);
    return r.latency.p50;
  };
  return comparison(workload, median('cairndb'), median('datascript'), opts);
}

export function printTable(title: string, rows: readonly Comparison[]): void {
  console.log(`\n${title}`);
  const withCpu = rows.some((r) => r.cpuRatio !== undefined);
  const cpuHead = withCpu ? ` ${'cpu: CairnDB'.padStart(12)} ${'DataScript'.padStart(10)} ${'ratio'.padStart(8)}` : '';
  console.log(`${'workload'.padEnd(44)} ${'CairnDB ms'.padStart(11)} ${'DataScript ms'.padStart(14)} ${'ratio'.padStart(7)}${cpuHead}  target`);
  for (const r of rows) {
    // With CPU times, the verdict is on them (the wall-clock ratio is printed beside).
    const judged = r.cpuRatio ?? r.ratio;
    const target = r.target === undefined ? '' : `${judged >= r.target ? 'met' : 'MISSED'} (>= ${r.target}x)`;
    const cpuCols =
      r.cpuRatio === undefined
        ? withCpu
          ? ' '.repeat(33)
          : ''
        : ` ${r.cairnCpuMs!.toFixed(3).padStart(12)} ${r.datascriptCpuMs!.toFixed(3).padStart(10)} ${`${r.cpuRatio.toFixed(2)}x`.padStart(8)}`;
    console.log(
      `${r.workload.padEnd(44)} ${r.cairnMs.toFixed(3).padStart(11)} ${r.datascriptMs.toFixed(3).padStart(14)} ${`${r.ratio.toFixed(2)}x`.padStart(7)}${cpuCols}  ${target}`,
    );
  }
}

/**
 * Like `compare`, but the two sides alternate call by call (CairnDB first on even rounds,
 * DataScript first on odd ones), so both sample the same moments of a loaded machine; medians
 * of `iterations` rounds after `warmup`. Async results are awaited.
 */
export async function compareAlternating(workload: string, cairn: () => unknown, datascript: () => unknown, opts: CompareOptions = {}): Promise<Comparison> {
  const iterations = opts.iterations ?? 20;
  const warmup = opts.warmup ?? 3;
  const a: number[] = [],
    b: number[] = [],
    ac: number[] = [],
    bc: number[] = [];
  // process.cpuUsage where there is one (Node): on a shared machine a call's wall time mostly
  // measures how long the scheduler kept it waiting; its CPU time does not.
  const cpu = typeof process !== 'undefined' && typeof process.cpuUsage === 'function' ? () => process.cpuUsage() : null;
  // A young-generation collection before each call (untimed, where gc is exposed) so neither
  // side is charged for collecting the other's garbage.
  const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
  const time = async (f: () => unknown, into: number[] | null, cpuInto: number[] | null): Promise<void> => {
    gc?.({ type: 'minor' });
    const c0 = cpu?.();
    const t0 = performance.now();
    await f();
    into?.push(performance.now() - t0);
    if (c0 !== undefined) {
      const d = process.cpuUsage(c0);
      cpuInto?.push((d.user + d.system) / 1000);
    }
  };
  for (let i = 0; i < warmup + iterations; i++) {
    const [x, y] = i % 2 === 0 ? [cairn, datascript] : [datascript, cairn];
    await time(x, i < warmup ? null : x === cairn ? a : b, i < warmup ? null : x === cairn ? ac : bc);
    await time(y, i < warmup ? null : y === cairn ? a : b, i < warmup ? null : y === cairn ? ac : bc);
  }
  const median = (xs: number[]): number => {
    const s = xs.slice().sort((p, q) => p - q);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const cpuTimes = ac.length > 0 ? { cairnCpuMs: median(ac), datascriptCpuMs: median(bc), cpuRatio: median(bc) / median(ac) } : {};
  return { ...comparison(workload, median(a), median(b), opts), ...cpuTimes };
}
