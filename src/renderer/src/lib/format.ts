import type { Composer } from 'vue-i18n';

type Translate = Composer['t'];

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
