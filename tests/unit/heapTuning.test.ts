import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What the proxy does to the heap on a bulk transfer, in a process of its own (V8 flags are
 * process-wide): 800 MB of 32 KiB Buffers that die at once, as socket reads and SSH packets do.
 * Prints how many full (mark-compact) collections that took.
 */
const CHURN = `
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
const { tuneHeapForStreaming } = await import('./src/gateway/heapTuning.ts');
if (process.argv.includes('tuned')) tuneHeapForStreaming();
let full = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
}).observe({ entryTypes: ['gc'] });
for (let i = 0; i < 25600; i++) {
  Buffer.allocUnsafe(32 * 1024)[0] = i;
  if (i % 64 === 0) await yieldToLoop();
}
await new Promise((resolve) => setTimeout(resolve, 100));
console.log(full);
`;

function fullCollections(tuned: boolean): number {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CHURN, ...(tuned ? ['tuned'] : [])],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  return Number(result.stdout.trim());
}

describe('gateway heap tuning', () => {
  it('reclaims short-lived Buffers of a bulk transfer without a full collection every few dozen MB', () => {
    const untuned = fullCollections(false);
    const tuned = fullCollections(true);
    // V8's default: a mark-compact per ~40 MB of Buffer memory (the cost the tuning removes).
    expect(untuned).toBeGreaterThanOrEqual(5);
    expect(tuned).toBeLessThanOrEqual(Math.floor(untuned / 3));
  });
});
