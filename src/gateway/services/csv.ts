import { Readable } from 'node:stream';
import { SESSION_CSV_COLUMNS } from '../../shared/api';
import { openDatabase } from '../db/database';
import type { Params } from '../db/sessionFilters';

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

const CHUNK_CHARS = 64 * 1024;

/**
 * Streams the query's rows as CSV. It reads through its own read-only connection, because an open
 * better-sqlite3 iterator keeps its connection busy while the reply drains at the client's pace.
 */
export function csvStream(databasePath: string, sql: string, params: Params): Readable {
  function* chunks(): Generator<string> {
    const db = openDatabase(databasePath, { readonly: true });
    try {
      const rows = db.prepare(sql).raw(true).iterate(params) as IterableIterator<CsvRow>;
      const started = new IsoFormatter();
      const ended = new IsoFormatter();
      let chunk = `${SESSION_CSV_COLUMNS.join(',')}\r\n`;
      for (const row of rows) {
        chunk += csvLine(row, started, ended);
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk !== '') yield chunk;
    } finally {
      db.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 4 * CHUNK_CHARS });
}
