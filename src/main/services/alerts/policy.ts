import type { AlertNotification, AlertPreferences } from '../../../shared/alertCentre';
import type { Alert } from '../../../shared/alerts';
import { criticalityRank } from '../../../shared/rules';
import { notificationTitle, missedAlertsText } from './texts';

/** Whether an alert enters the alert centre at all: its kind is wanted and it is critical enough. */
export function isWanted(alert: Alert, preferences: AlertPreferences): boolean {
  if (!preferences.kinds.includes(alert.kind)) return false;
  if (alert.rule === null) return true;
  return criticalityRank(alert.rule.criticality) >= criticalityRank(preferences.minCriticality);
}

const minutesOf = (time: string): number => {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
};

/** Whether `at` (in the computer's own time zone) falls within the quiet hours. */
export function isQuiet(preferences: AlertPreferences, at: Date): boolean {
  const quiet = preferences.quietHours;
  if (quiet === null) return false;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return false;
  const now = at.getHours() * 60 + at.getMinutes();
  // A range whose end comes first runs across midnight (22:00 → 07:00).
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/**
 * The OS notification an alert that entered the centre deserves: none during quiet hours, and none
 * for one replayed after a reconnect (those are summed up once the replay is over, by `missed`).
 */
export function notificationFor(
  alert: Alert,
  preferences: AlertPreferences,
  at: Date,
): AlertNotification | null {
  if (alert.late || isQuiet(preferences, at)) return null;
  return {
    title: notificationTitle(alert, preferences.locale),
    body: alert.text,
    silent: !preferences.sound,
    alertId: alert.id,
  };
}

/** One notification for the alerts that arrived late, rather than a burst of them. */
export function missedNotification(
  count: number,
  preferences: AlertPreferences,
  at: Date,
): AlertNotification | null {
  if (count === 0 || isQuiet(preferences, at)) return null;
  const { title, body } = missedAlertsText(count, preferences.locale);
  return { title, body, silent: !preferences.sound, alertId: null };
}
