import { performance } from 'node:perf_hooks';
/** One figure of a benchmark; ratios are against a baseline measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
}

export function formatRows(title: string, rows: readonly BenchRow[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), title.length);
  const lines = rows.map(
    (r) => `  ${r.name.padEnd(width)}  ${String(readable(r.value)).padStart(12)} ${r.unit}`,
  );
  return [`${title}`, ...lines].join('\n');
}

/** Four significant digits are plenty for a measurement; large values keep their integer part. */
function readable(value: number): number {
  return Math.abs(value) >= 1000 ? Math.round(value) : Number(value.toPrecision(4));
}

/** The p-th percentile of sorted samples (nearest rank). */
export function percentileOf(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Times `runs` calls of `fn` (after 3 unmeasured ones), in ms, sorted. */
export async function timeAsync(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}
