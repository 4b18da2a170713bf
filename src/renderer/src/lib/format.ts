import type { Composer } from 'vue-i18n';

export type Translate = Composer['t'];

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** Gateway times are ISO-8601 UTC; people read them in their own time zone and language. */
export function formatDateTime(iso: string | null, locale: string): string {
  if (!iso) return '';
  let format = dateTimeFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
    dateTimeFormats.set(locale, format);
  }
  return format.format(new Date(iso));
}

const shortFormats = new Map<string, { date: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();

/** Date and time to the minute as two short parts, for table cells where every pixel counts. */
export function formatDateAndTime(iso: string, locale: string): { date: string; time: string } {
  let formats = shortFormats.get(locale);
  if (!formats) {
    formats = {
      date: new Intl.DateTimeFormat(locale, { year: '2-digit', month: '2-digit', day: '2-digit' }),
      time: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }),
    };
    shortFormats.set(locale, formats);
  }
  const at = new Date(iso);
  return { date: formats.date.format(at), time: formats.time.format(at) };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "1 h 05 min", "4 min 09 s", "12 s": precise enough for an audit list, short enough for a cell. */
export function formatDuration(ms: number, t: Translate): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return t('duration.hours', { h, m: pad(m) });
  if (m > 0) return t('duration.minutes', { m, s: pad(s) });
  return t('duration.seconds', { s });
}

export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  return `${value.toLocaleString(locale, { maximumFractionDigits: digits })} ${units[unit]}`;
}

/** Long hashes stay readable in a table; the full value is one hover away. */
export function shortHash(hash: string, keep = 12): string {
  return hash.length <= keep ? hash : `${hash.slice(0, keep)}…`;
}
