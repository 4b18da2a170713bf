import { benchSessions, formatSessionsReport } from './sessions';

/**
 * `npm run bench`: seeds 1,000,000 sessions (VIGIL_BENCH_SESSIONS to change) and prints list query
 * latencies and CSV export throughput against the targets of issue 2.
 */
const TARGET_P95_MS = 20;
const TARGET_EXPORT_ROWS_PER_SECOND = 200_000;

const count = Number(process.env.VIGIL_BENCH_SESSIONS ?? 1_000_000);
const runs = Number(process.env.VIGIL_BENCH_RUNS ?? 40);

const result = await benchSessions({ count, runs, log: (line) => console.log(line) });
console.log('');
console.log(formatSessionsReport(result, TARGET_P95_MS, TARGET_EXPORT_ROWS_PER_SECOND));
const slow = result.queries.filter((q) => q.p95 >= TARGET_P95_MS);
const slowExport = result.exports.slice(0, 1).filter((e) => e.rowsPerSecond <= TARGET_EXPORT_ROWS_PER_SECOND);
console.log('');
console.log(
  slow.length === 0 && slowExport.length === 0
    ? 'All targets met.'
    : `Targets missed: ${[...slow.map((q) => q.name), ...slowExport.map((e) => `export ${e.name}`)].join('; ')}`,
);
