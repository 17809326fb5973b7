// The pure parts of the browser benchmark: percentiles, target checks and the CPU-profile summary.
import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from './profile.js';
import { met, type Row } from './report.js';
import { summarize } from './stats.js';

describe('summarize', () => {
  it.each([
    ['one sample', [5], { median: 5, p95: 5, total: 5 }],
    ['odd count, unsorted', [3, 1, 2], { median: 2, p95: 3, total: 6 }],
    ['nearest rank p95 of 1..100', Array.from({ length: 100 }, (_, i) => i + 1), { median: 50, p95: 95, total: 5050 }],
  ] as const)('%s', (_name, samples, want) => {
    const s = summarize(samples);
    expect({ median: s.median, p95: s.p95, total: s.total }).toEqual(want);
    expect(s.n).toBe(samples.length);
  });

  it('gives NaN percentiles for no samples instead of throwing', () => {
    expect(summarize([]).median).toBeNaN();
  });
});

describe('met', () => {
  const row = (ratio: number, target?: Row['target']): Row => ({
    workload: 'w',
    cairn: 1,
    peer: 1,
    peerName: 'p',
    unit: 'ms',
    ratioOf: 'x',
    ratio,
    ...(target ? { target } : {}),
  });
  it.each([
    [1.4, { atMost: 1.5 }, true],
    [1.6, { atMost: 1.5 }, false],
    [10, { atLeast: 10 }, true],
    [9.99, { atLeast: 10 }, false],
  ] as const)('ratio %f against %o -> %s', (ratio, target, want) => {
    expect(met(row(ratio, target))).toBe(want);
  });
  it('is undefined without a target', () => {
    expect(met(row(3))).toBeUndefined();
  });
});

describe('summarizeProfile', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('insert', 'http://127.0.0.1:5175/src/indices/transient.ts?v=1', 130) },
      { id: 3, callFrame: frame('(idle)') },
      { id: 4, callFrame: frame('profiled', 'http://127.0.0.1:5175/bench/browser/setup.ts', 91) },
    ],
    samples: [4, 2, 2, 3, 2],
    timeDeltas: [5000, 1000, 1000, 2000, 1000],
  };

  it('charges each sample its delta, leaves the harness out, and groups by function and file', () => {
    const s = summarizeProfile(profile, 10);
    expect(s.totalMs).toBe(5);
    expect(s.top).toEqual([
      { fn: 'insert src/indices/transient.ts:131', selfMs: 3, pct: 60 },
      { fn: '(idle)', selfMs: 2, pct: 40 },
    ]);
    expect(s.byFile.map((f) => f.file)).toEqual(['src/indices/transient.ts', '(idle)']);
  });
});
