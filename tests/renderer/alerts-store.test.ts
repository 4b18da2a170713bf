import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/shared/alerts';
import type { AlertEntry } from '../../src/shared/alertCentre';
import { ok } from '../../src/shared/result';
import { useAlertsStore } from '../../src/renderer/src/stores/alerts';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import { filterAlerts } from '../../src/renderer/src/lib/alertFilter';
import { fakeAlertCentre, makeAlert as alertOf, type FakeAlertCentre } from './support/alerts';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState, makeSession } from './support/fixtures';
import { freshPinia, settle } from './support/mount';

const makeAlert = (id: number, overrides: Partial<Alert> = {}) => alertOf(id, { atMs: 4_200, ...overrides });

/** Records what the page hands the Web Notifications API. */
class RecordedNotification {
  static permission: NotificationPermission = 'granted';
  static shown: RecordedNotification[] = [];
  static requestPermission = async () => RecordedNotification.permission;
  onclick: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    RecordedNotification.shown.push(this);
  }
  close() {
    this.closed = true;
  }
}

describe('alerts store', () => {
  let fake: FakeVigil;
  let centre: FakeAlertCentre;
  const original = globalThis.Notification;

  beforeEach(() => {
    centre = fakeAlertCentre([
      { alert: makeAlert(2, { kind: 'sessionDropped', rule: null, actor: 'bob' }), read: false },
      {
        alert: makeAlert(1, { rule: { name: 'ls', score: 1, criticality: 'low', action: 'allow' } }),
        read: true,
      },
    ]);
    RecordedNotification.shown = [];
    RecordedNotification.permission = 'granted';
    globalThis.Notification = RecordedNotification as unknown as typeof Notification;
    fake = installFakeVigil({
      ...centre.handlers,
      'sessions:get': (sessionId) =>
        ok(makeSession(sessionId, { status: sessionId === 6 ? 'live' : 'finished' })),
    });
    freshPinia();
    Object.assign(useAuthStore(), { state: authState, phase: 'signedIn' });
  });

  afterEach(() => {
    useAlertsStore().dispose();
    globalThis.Notification = original;
  });

  it('loads the centre with its unread count and adds pushed alerts on top', async () => {
    const alerts = useAlertsStore();
    alerts.listen();
    await alerts.load();
    expect(alerts.unread).toBe(1);
    fake.emit('alerts:alert', { entry: { alert: makeAlert(3), read: false }, unread: 2, notification: null });
    expect(alerts.entries.map((e) => e.alert.id)).toEqual([3, 2, 1]);
    expect(alerts.unread).toBe(2);
    expect(RecordedNotification.shown).toEqual([]);
  });

  it('shows the notification main handed over, and its click opens the alert', async () => {
    const alerts = useAlertsStore();
    alerts.listen();
    await alerts.load();
    fake.emit('alerts:alert', {
      entry: { alert: makeAlert(3), read: false },
      unread: 2,
      notification: {
        title: 'Risky command · critical — web-001',
        body: 'alert 3',
        silent: true,
        alertId: 3,
      },
    });
    expect(RecordedNotification.shown).toHaveLength(1);
    const [shown] = RecordedNotification.shown;
    expect(shown!.title).toBe('Risky command · critical — web-001');
    expect(shown!.options).toMatchObject({ body: 'alert 3', silent: true });
    shown!.onclick?.();
    await settle();
    expect(fake.argsOf('sessions:get')).toEqual([[6]]);
    expect(alerts.liveSession?.id).toBe(6);
    expect(fake.argsOf('alerts:markRead')).toEqual([[[3]]]);
  });

  it('shows nothing when the browser refused notifications', async () => {
    RecordedNotification.permission = 'denied';
    const alerts = useAlertsStore();
    alerts.listen();
    fake.emit('alerts:alert', {
      entry: { alert: makeAlert(3), read: false },
      unread: 1,
      notification: { title: 't', body: 'b', silent: false, alertId: 3 },
    });
    expect(RecordedNotification.shown).toEqual([]);
    expect(alerts.entries).toHaveLength(1);
  });

  it('opens a finished session in the player, at the alert moment once the video is ready', async () => {
    const alerts = useAlertsStore();
    await alerts.load();
    const player = usePlayerStore();
    const opened: number[] = [];
    const seeks: number[] = [];
    Object.assign(player, {
      open: async (session: { id: number }) => {
        opened.push(session.id);
        player.phase = 'opening';
        await settle();
        player.phase = 'ready';
      },
      seek: async (atMs: number) => void seeks.push(atMs),
    });
    await alerts.open(makeAlert(9, { sessionId: 7, live: false, atMs: 4_200 }));
    await settle();
    expect(opened).toEqual([7]);
    expect(seeks).toEqual([4_200]);
    expect(alerts.liveSession).toBeNull();
  });

  it('marks one or all read', async () => {
    const alerts = useAlertsStore();
    await alerts.load();
    fake.emit('alerts:alert', { entry: { alert: makeAlert(3), read: false }, unread: 2, notification: null });
    alerts.listen();
    fake.emit('alerts:alert', { entry: { alert: makeAlert(4), read: false }, unread: 2, notification: null });
    await alerts.markRead([2]);
    expect(alerts.entries.find((e) => e.alert.id === 2)?.read).toBe(true);
    await alerts.markRead(null);
    expect(alerts.entries.every((e) => e.read)).toBe(true);
    expect(alerts.unread).toBe(0);
  });

  it('an alert opened from the shell notification by id opens it; an unknown one opens the centre', async () => {
    const alerts = useAlertsStore();
    alerts.listen();
    await alerts.load();
    fake.emit('alerts:open', { alertId: null });
    expect(alerts.centreOpen).toBe(true);
    alerts.centreOpen = false;
    fake.emit('alerts:open', { alertId: 2 });
    await settle();
    expect(alerts.liveSession?.id).toBe(6);
  });

  it('saves preferences in the app language', async () => {
    const alerts = useAlertsStore();
    await alerts.load();
    await alerts.savePreferences({ ...centre.preferences, sound: false, locale: 'pt-BR' });
    expect(centre.preferences).toMatchObject({ sound: false, locale: 'en' });
  });
});

describe('alert filters', () => {
  const entries: AlertEntry[] = [
    { alert: makeAlert(3), read: false },
    { alert: makeAlert(2, { kind: 'sessionBlocked', rule: null }), read: false },
    {
      alert: makeAlert(1, { rule: { name: 'x', score: 1, criticality: 'low', action: 'allow' } }),
      read: true,
    },
  ];
  const ids = (list: AlertEntry[]) => list.map((e) => e.alert.id);

  it('by kind, criticality and unread', () => {
    expect(ids(filterAlerts(entries, { kind: null, criticality: null, unreadOnly: false }))).toEqual([
      3, 2, 1,
    ]);
    expect(
      ids(filterAlerts(entries, { kind: 'riskyCommand', criticality: null, unreadOnly: false })),
    ).toEqual([3, 1]);
    expect(ids(filterAlerts(entries, { kind: null, criticality: 'low', unreadOnly: false }))).toEqual([1]);
    expect(ids(filterAlerts(entries, { kind: null, criticality: null, unreadOnly: true }))).toEqual([3, 2]);
  });
});
