const pad = (n: number): string => String(n).padStart(2, '0');

/** "0:04:09": a running session's age, precise to the second like a stopwatch. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  return `${h}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
