import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_PREFERENCES, type AlertPreferences } from '../../src/shared/alertCentre';
import {
  isQuiet,
  isWanted,
  missedNotification,
  notificationFor,
} from '../../src/main/services/alerts/policy';
import { trayView } from '../../src/main/services/alerts/tray';
import { TrayCounter } from '../../src/main/services/alerts/tray-counts';
import { makeAlert } from './helpers/alerts-gateway';

const prefs = (overrides: Partial<AlertPreferences> = {}): AlertPreferences => ({
  ...DEFAULT_ALERT_PREFERENCES,
  ...overrides,
});
const at = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return new Date(2026, 0, 1, h, m);
};

describe('which alerts are wanted', () => {
  it('keeps only the chosen kinds', () => {
    const dropped = makeAlert(1, { kind: 'sessionDropped', rule: null });
    expect(isWanted(dropped, prefs())).toBe(true);
    expect(isWanted(dropped, prefs({ kinds: ['riskyCommand'] }))).toBe(false);
  });

  it('keeps risky commands from the minimum criticality up; kinds without a rule pass', () => {
    const high = makeAlert(1, { rule: { name: 'r', score: 5, criticality: 'high', action: 'allow' } });
    expect(isWanted(high, prefs({ minCriticality: 'high' }))).toBe(true);
    expect(isWanted(high, prefs({ minCriticality: 'critical' }))).toBe(false);
    expect(
      isWanted(makeAlert(2, { kind: 'watchedTarget', rule: null }), prefs({ minCriticality: 'critical' })),
    ).toBe(true);
  });
});

describe('quiet hours', () => {
  it('within a day', () => {
    const p = prefs({ quietHours: { from: '12:00', to: '13:30' } });
    expect(isQuiet(p, at('11:59'))).toBe(false);
    expect(isQuiet(p, at('12:00'))).toBe(true);
    expect(isQuiet(p, at('13:29'))).toBe(true);
    expect(isQuiet(p, at('13:30'))).toBe(false);
  });

  it('across midnight', () => {
    const p = prefs({ quietHours: { from: '22:00', to: '07:00' } });
    expect(isQuiet(p, at('23:15'))).toBe(true);
    expect(isQuiet(p, at('03:00'))).toBe(true);
    expect(isQuiet(p, at('07:00'))).toBe(false);
    expect(isQuiet(p, at('21:59'))).toBe(false);
  });

  it('none, or an empty range, is never quiet', () => {
    expect(isQuiet(prefs(), at('03:00'))).toBe(false);
    expect(isQuiet(prefs({ quietHours: { from: '08:00', to: '08:00' } }), at('08:00'))).toBe(false);
  });
});

describe('notifications', () => {
  it('titles the kind, criticality and target in the chosen language; the body is the alert line', () => {
    const alert = makeAlert(5);
    expect(notificationFor(alert, prefs(), at('10:00'))).toEqual({
      title: 'Risky command · critical — web-001',
      body: alert.text,
      silent: false,
      alertId: 5,
    });
    expect(notificationFor(alert, prefs({ locale: 'pt-BR', sound: false }), at('10:00'))).toMatchObject({
      title: 'Comando arriscado · crítica — web-001',
      silent: true,
    });
  });

  it('none for a late alert or during quiet hours', () => {
    expect(notificationFor(makeAlert(5, { late: true }), prefs(), at('10:00'))).toBeNull();
    expect(
      notificationFor(makeAlert(5), prefs({ quietHours: { from: '09:00', to: '11:00' } }), at('10:00')),
    ).toBeNull();
  });

  it('one summary for the alerts missed while offline', () => {
    expect(missedNotification(0, prefs(), at('10:00'))).toBeNull();
    expect(missedNotification(3, prefs(), at('10:00'))).toEqual({
      title: 'Missed alerts',
      body: '3 alerts arrived while Vigil was offline',
      silent: false,
      alertId: null,
    });
  });
});

describe('tray', () => {
  it('counts live sessions and unread alerts in the title, tooltip and menu', () => {
    expect(trayView({ live: 3, unread: 1 }, 'en')).toEqual({
      title: '▶3 ●1',
      tooltip: 'Vigil\n3 live sessions\n1 unread alert',
      menu: [
        { action: 'open', label: 'Open Vigil', enabled: true },
        { action: 'alerts', label: 'Show alerts (1)', enabled: true },
        { action: 'quit', label: 'Quit', enabled: true },
      ],
    });
  });

  it('shows nothing next to the icon when there is nothing to count, and no live count while unknown', () => {
    const view = trayView({ live: null, unread: 0 }, 'pt-BR');
    expect(view.title).toBe('');
    expect(view.tooltip).toBe('Vigil\n0 alertas não lidos');
  });

  it('counts live sessions once per burst of changes and forgets them at logout', async () => {
    let calls = 0;
    let live = 2;
    const counter = new TrayCounter({ countLive: async () => (calls++, live), settleMs: 20 });
    const seen: (number | null)[] = [];
    counter.onChange((counts) => seen.push(counts.live));
    counter.signedIn(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(counter.current).toEqual({ live: 2, unread: 0 });
    live = 5;
    counter.sessionsChanged();
    counter.sessionsChanged();
    counter.sessionsChanged();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).toBe(2);
    expect(counter.current.live).toBe(5);
    counter.setUnread(4);
    counter.signedIn(false);
    expect(counter.current).toEqual({ live: null, unread: 0 });
    expect(seen).toEqual([2, 5, 5, null]);
  });

  it('a count that answers after logout is dropped', async () => {
    let answer: (n: number) => void = () => undefined;
    const counter = new TrayCounter({
      countLive: () => new Promise<number>((resolve) => (answer = resolve)),
    });
    counter.signedIn(true);
    counter.signedIn(false);
    answer(9);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(counter.current.live).toBeNull();
  });
});
