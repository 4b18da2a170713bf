import type { CliIO } from './cli';
import { ensureDataDir } from './datadir';
import type { AsyncStore } from './db/asyncStore';
import type { PurgeCandidate } from './db/rows/recordingPurges';
import { openRecordingStore } from './recordings/openRecordingStore';
import { PurgedFiles } from './services/purgedFiles';
import { RetentionService } from './services/retention';
import { systemClock } from './time';

export interface PurgeOptions {
  dataDir: string;
  days: number;
  dryRun: boolean;
  /** The shared recordings store the gateway uses (`--recordings`); undefined: none. */
  recordings: string | undefined;
}

/** `vigil-gateway purge`: the gateway's retention, run by hand; returns the exit code. */
export async function purgeCommand(io: CliIO, store: AsyncStore, options: PurgeOptions): Promise<number> {
  const paths = ensureDataDir(options.dataDir);
  const shared = options.recordings === undefined ? null : openRecordingStore(options.recordings, paths.root);
  try {
    const files = new PurgedFiles(store, paths.root, paths.recordings, shared, systemClock);
    const retention = new RetentionService(store, files, systemClock, io.err);
    const rule = `sessions that ended more than ${options.days} days ago`;
    if (options.dryRun) {
      const due = await retention.due(options.days);
      printPurges(io, due);
      io.out(
        due.length === 0
          ? `Dry run: no recording of ${rule} to purge; nothing was changed`
          : `Dry run: would purge ${due.length} recording(s), ${total(due)}, of ${rule}; nothing was changed`,
      );
      return 0;
    }
    const report = await retention.purge({ days: options.days, by: 'the vigil-gateway purge command' });
    printPurges(io, report.purged);
    io.out(
      report.purged.length === 0
        ? `No recording of ${rule} to purge`
        : `Purged ${report.purged.length} recording(s), ${total(report.purged)}, of ${rule}`,
    );
    if (report.retried.length > 0)
      io.out(`Deleted the files of ${report.retried.length} recording(s) purged earlier`);
    if (report.strays.length > 0)
      io.out(`Deleted ${report.strays.length} purged recording(s) left in this data folder`);
    return report.failures.length === 0 ? 0 : 1;
  } finally {
    await shared?.close();
  }
}

function printPurges(io: CliIO, purges: readonly PurgeCandidate[]): void {
  if (purges.length === 0) return;
  const rows = [
    ['SESSION', 'OPERATOR', 'TARGET', 'ENDED', 'SIZE'],
    ...purges.map((p) => [
      String(p.id),
      p.operator,
      `${p.account}@${p.target}`,
      new Date(p.endedAt).toISOString(),
      p.recording.size === null ? 'unknown' : formatSize(p.recording.size),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    io.out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

function total(purges: readonly PurgeCandidate[]): string {
  const bytes = purges.reduce((sum, p) => sum + (p.recording.size ?? 0), 0);
  return `${formatSize(bytes)} (${bytes} bytes)`;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
