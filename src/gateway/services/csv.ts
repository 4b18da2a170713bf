import { Readable } from 'node:stream';
import { SESSION_CSV_COLUMNS } from '../../shared/api';
import { openDatabase, type Db } from '../db/database';
import { EXPORT_BATCH_ROWS } from '../db/sessionPlan';
import type { ExportPlan } from '../db/sessionSearch';

/** Columns of `sessions s` in the order of SESSION_CSV_COLUMNS. */
export const CSV_SELECT =
  's.id, s.hash, s.user_login, s.origin_ip, s.credential, s.device, s.protocol, s.proxy, s.started_at, ' +
  's.ended_at, s.duration_ms, s.status, s.prevent_purge_at IS NOT NULL';

/**
 * One CSV cell (RFC 4180 quoting). Text that a spreadsheet would run as a formula (starting with
 * = + - @, tab or CR) gets a leading apostrophe, so an exported list can never execute anything.
 */
export function csvCell(value: string): string {
  let text = value;
  const first = text.charCodeAt(0);
  // = + - @ TAB CR
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13)
    text = `'${text}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // " , LF CR
    if (c === 34 || c === 44 || c === 10 || c === 13) return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/**
 * `Date#toISOString` for rows that come in time order: the date part is reused while the day
 * stays the same, which makes the export several times faster than formatting every instant.
 */
export class IsoFormatter {
  private dayStart = Number.NaN;
  private dayPrefix = '';

  format(ms: number | null): string {
    if (ms === null) return '';
    let offset = ms - this.dayStart;
    if (!(offset >= 0 && offset < 86_400_000)) {
      this.dayStart = ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
      this.dayPrefix = new Date(this.dayStart).toISOString().slice(0, 11);
      offset = ms - this.dayStart;
    }
    const h = Math.floor(offset / 3_600_000);
    const m = Math.floor(offset / 60_000) % 60;
    const sec = Math.floor(offset / 1000) % 60;
    const milli = offset % 1000;
    return `${this.dayPrefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  }
}

type CsvRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  number | null,
  number | null,
  string,
  number,
];

function csvLine(r: CsvRow, started: IsoFormatter, ended: IsoFormatter): string {
  return (
    `${r[0]},${csvCell(r[1])},${csvCell(r[2])},${csvCell(r[3])},${csvCell(r[4])},${csvCell(r[5])},` +
    `${r[6]},${csvCell(r[7])},${started.format(r[8])},${ended.format(r[9])},${r[10] ?? ''},${r[11]},${r[12] === 1 ? 'yes' : 'no'}\r\n`
  );
}

const CURSOR_START = { cursorAt: Number.MAX_SAFE_INTEGER, cursorId: Number.MAX_SAFE_INTEGER };

/** Batches of CSV rows (arrays of CSV_SELECT columns) in list order, as the plan reads them. */
function* batches(db: Db, plan: ExportPlan): Generator<CsvRow[]> {
  if (plan.kind === 'keyset') {
    const statement = db.prepare(plan.sql).raw(true);
    let cursor = CURSOR_START;
    for (;;) {
      const rows = statement.all({ ...plan.params, ...cursor, batch: EXPORT_BATCH_ROWS }) as CsvRow[];
      if (rows.length > 0) yield rows;
      if (rows.length < EXPORT_BATCH_ROWS) return;
      const last = rows[rows.length - 1]!;
      cursor = { cursorAt: last[8], cursorId: last[0] };
    }
  }
  const ids = db.prepare(plan.idsSql).pluck().all(plan.params) as number[];
  const rowsById = db.prepare(plan.rowsSql).raw(true);
  for (let i = 0; i < ids.length; i += EXPORT_BATCH_ROWS) {
    const slice = ids.slice(i, i + EXPORT_BATCH_ROWS);
    const byId = new Map((rowsById.all({ ids: JSON.stringify(slice) }) as CsvRow[]).map((r) => [r[0], r]));
    const rows: CsvRow[] = [];
    for (const id of slice) {
      const row = byId.get(id);
      if (row !== undefined) rows.push(row);
    }
    yield rows;
  }
}

/**
 * Streams an export (see SessionSearch.exportPlan) as CSV, one batch of rows per chunk. It reads
 * through its own read-only connection inside one read transaction: every batch sees the same
 * snapshot, and the gateway's connection stays free while the reply drains at the client's pace.
 */
export function csvStream(databasePath: string, plan: ExportPlan): Readable {
  function* chunks(): Generator<string> {
    const db = openDatabase(databasePath, { readonly: true });
    try {
      db.exec('BEGIN');
      const started = new IsoFormatter();
      const ended = new IsoFormatter();
      yield `${SESSION_CSV_COLUMNS.join(',')}\r\n`;
      for (const rows of batches(db, plan)) {
        let chunk = '';
        for (const row of rows) chunk += csvLine(row, started, ended);
        yield chunk;
      }
      db.exec('COMMIT');
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
