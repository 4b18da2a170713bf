import type { AlertEntry, AlertPreferences } from '../../../src/shared/alertCentre';
import { DEFAULT_ALERT_PREFERENCES } from '../../../src/shared/alertCentre';
import type { Alert } from '../../../src/shared/alerts';
import { ok } from '../../../src/shared/result';
import type { Handlers } from './fakeVigil';

/** A critical risky-command alert on live session 6, with `overrides` on top. */
export function makeAlert(id: number, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    kind: 'riskyCommand',
    at: '2026-01-01T10:00:00.000Z',
    sessionId: 6,
    live: true,
    atMs: 1_000,
    operator: 'olga',
    target: 'web-001',
    actor: null,
    rule: { name: 'wipe', score: 90, criticality: 'critical', action: 'allow' },
    command: 'rm -rf /',
    text: `alert ${id}`,
    late: false,
    ...overrides,
  } as Alert;
}

/** Main's alert centre behind the fake bridge: the kept entries and the saved preferences, both live. */
export interface FakeAlertCentre {
  kept: AlertEntry[];
  preferences: AlertPreferences;
  handlers: Handlers;
}

/** Starts with `kept` and the default preferences; marking read and saving change what it keeps. */
export function fakeAlertCentre(kept: AlertEntry[]): FakeAlertCentre {
  const centre: FakeAlertCentre = {
    kept,
    preferences: { ...DEFAULT_ALERT_PREFERENCES },
    handlers: {
      'alerts:list': () => ok(centre.kept),
      'alerts:preferences': () => ok(centre.preferences),
      'alerts:setPreferences': (next) => ok((centre.preferences = next)),
      'alerts:markRead': (ids) => {
        centre.kept = centre.kept.map((e) =>
          ids === null || ids.includes(e.alert.id) ? { ...e, read: true } : e,
        );
        return ok({ unread: centre.kept.filter((e) => !e.read).length });
      },
    },
  };
  return centre;
}
