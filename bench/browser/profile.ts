// Reduce a Chrome CPU profile (CDP Profiler.stop) to what a reader needs: self time per
// function (name, file, line), biggest first, and the share of samples that were idle/GC.

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time per function, biggest first. */
  readonly top: readonly { readonly fn: string; readonly selfMs: number; readonly pct: number }[];
  /** Self time per source file ((idle), (garbage collector), (program) = native, e.g. IDB). */
  readonly byFile: readonly { readonly file: string; readonly selfMs: number; readonly pct: number }[];
}

/**
 * `exclude`: function names whose self time is left out — the harness's own `profiled`, which
 * is charged with the profiler starting and stopping.
 */
export function summarizeProfile(p: CpuProfile, limit: number, exclude: readonly string[] = ['profiled']): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const samples = p.samples ?? [],
    deltas = p.timeDeltas ?? [];
  let totalMs = 0;
  // timeDeltas[i] is the time before sample i; charge it to the sample's function.
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]!);
    if (n === undefined || exclude.includes(n.callFrame.functionName)) continue;
    const f = n.callFrame;
    const file = f.url.replace(/^https?:\/\/[^/]+\//, '').replace(/\?.*$/, '');
    const key = `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
    const ms = (deltas[i] ?? 0) / 1000;
    totalMs += ms;
    self.set(key, (self.get(key) ?? 0) + ms);
    const fileKey = file || f.functionName || '(native)';
    files.set(fileKey, (files.get(fileKey) ?? 0) + ms);
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  totalMs = r1(totalMs);
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, ms]) => ({ fn, selfMs: r1(ms), pct: r1((ms / totalMs) * 100) }));
  const byFile = [...files.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([file, ms]) => ({ file, selfMs: r1(ms), pct: r1((ms / totalMs) * 100) }));
  return { totalMs, top, byFile };
}
