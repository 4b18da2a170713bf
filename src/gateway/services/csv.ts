import { Readable } from 'node:stream';
import { SESSION_CSV_COLUMNS } from '../../shared/api';
import type { SessionExportRow } from '../db/sessionExport';

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

function csvLine(r: SessionExportRow, started: IsoFormatter, ended: IsoFormatter): string {
  return (
    `${r.id},${csvCell(r.hash)},${csvCell(r.userLogin)},${csvCell(r.originIp)},${csvCell(r.credential)},` +
    `${csvCell(r.device)},${r.protocol},${csvCell(r.proxy)},${started.format(r.startedAt)},` +
    `${ended.format(r.endedAt)},${r.durationMs ?? ''},${r.status},${r.preventPurge ? 'yes' : 'no'}\r\n`
  );
}

/**
 * Streams the export rows (newest first, in batches) as CSV, one batch per chunk. The next batch is
 * read only when the reply has drained, so a slow client never holds the database.
 */
export function csvStream(rows: AsyncIterable<SessionExportRow[]>): Readable {
  async function* chunks(): AsyncGenerator<string> {
    const started = new IsoFormatter();
    const ended = new IsoFormatter();
    yield `${SESSION_CSV_COLUMNS.join(',')}\r\n`;
    for await (const batch of rows) {
      let chunk = '';
      for (const row of batch) chunk += csvLine(row, started, ended);
      yield chunk;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
