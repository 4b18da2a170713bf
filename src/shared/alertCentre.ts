import { Type, type Static } from 'typebox';
import { ALERT_KINDS, type Alert } from './alerts';
import { CRITICALITIES } from './rules';

/** A union of string literals that keeps their static type (a mapped Type.Union infers never). */
const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

/** A time of day as HH:MM (24 h, the computer's own time zone). */
const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

/**
 * What one person wants to hear about from one gateway: kept per gateway profile on this computer.
 * Kinds and the minimum criticality decide which alerts enter the alert centre; quiet hours only
 * silence the OS notification and its sound (the alert still lands in the centre).
 */
export const AlertPreferencesSchema = Type.Object(
  {
    kinds: Type.Array(literals(ALERT_KINDS), { maxItems: ALERT_KINDS.length, uniqueItems: true }),
    /** Risky commands below this criticality are left out (other kinds have none). */
    minCriticality: literals(CRITICALITIES),
    /** From `from` up to `to`, across midnight when `to` comes first; null: never quiet. */
    quietHours: Type.Union([
      Type.Object({ from: TimeOfDay, to: TimeOfDay }, { additionalProperties: false }),
      Type.Null(),
    ]),
    sound: Type.Boolean(),
    /** Targets (the session list's device) whose session starts raise a watchedTarget alert. */
    watchedTargets: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200 }),
    /** Language of the OS notifications, following the app's. */
    locale: Type.Union([Type.Literal('en'), Type.Literal('pt-BR')]),
  },
  { additionalProperties: false },
);
export type AlertPreferences = Static<typeof AlertPreferencesSchema>;

export const DEFAULT_ALERT_PREFERENCES: AlertPreferences = {
  kinds: [...ALERT_KINDS],
  minCriticality: 'low',
  quietHours: null,
  sound: true,
  watchedTargets: [],
  locale: 'en',
};

/** An alert as the alert centre keeps it. */
export interface AlertEntry {
  alert: Alert;
  read: boolean;
}

/** An OS notification to show: Electron's in the desktop app, the Web Notifications API in a browser. */
export interface AlertNotification {
  title: string;
  body: string;
  silent: boolean;
  /** The alert a click opens; null for a summary of alerts missed while offline (opens the centre). */
  alertId: number | null;
}

/** Pushed to the renderer for each alert that entered the centre. */
export interface AlertPushed {
  entry: AlertEntry;
  unread: number;
  /**
   * Set when the renderer itself must show the OS notification (the browser build); null when none is
   * due (quiet hours, replayed while offline) or the desktop shell already showed it.
   */
  notification: AlertNotification | null;
}
