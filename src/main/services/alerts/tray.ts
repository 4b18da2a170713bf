import type { AlertPreferences } from '../../../shared/alertCentre';
import { textsFor } from './texts';

export interface TrayCounts {
  /** Live sessions the user can see; null while unknown (signed out, not fetched yet). */
  live: number | null;
  unread: number;
}

export type TrayAction = 'open' | 'alerts' | 'quit';

export interface TrayView {
  /** Next to the icon in the macOS menu bar: short, empty when there is nothing to count. */
  title: string;
  tooltip: string;
  menu: { action: TrayAction; label: string; enabled: boolean }[];
}

/** What the tray / menu-bar icon shows for the counts, in the app's language. */
export function trayView(counts: TrayCounts, locale: AlertPreferences['locale']): TrayView {
  const texts = textsFor(locale);
  const lines = ['Vigil'];
  if (counts.live !== null) lines.push(texts.live(counts.live));
  lines.push(texts.unread(counts.unread));
  const title = [
    counts.live !== null && counts.live > 0 ? `▶${counts.live}` : '',
    counts.unread > 0 ? `●${counts.unread}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    title,
    tooltip: lines.join('\n'),
    menu: [
      { action: 'open', label: texts.open, enabled: true },
      { action: 'alerts', label: `${texts.alerts} (${counts.unread})`, enabled: true },
      { action: 'quit', label: texts.quit, enabled: true },
    ],
  };
}
