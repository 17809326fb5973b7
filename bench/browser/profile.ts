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
  readonly top: readonly { readonly fn: string; readonly selfMs: number; readonly pct: number }[];
}

export function summarizeProfile(p: CpuProfile, limit: number): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = p.samples ?? [], deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; charge it to the sample's function.
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]!);
    if (n === undefined) continue;
    const f = n.callFrame;
    const file = f.url.replace(/^https?:\/\/[^/]+\//, '').replace(/\?.*$/, '');
    const key = `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const totalMs = (p.endTime - p.startTime) / 1000;
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([fn, ms]) => ({ fn, selfMs: Math.round(ms * 10) / 10, pct: Math.round((ms / totalMs) * 1000) / 10 }));
  return { totalMs, top };
}
