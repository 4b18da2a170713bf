import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/shared/alertCentre';
import type { IpcChannel, IpcEventName, IpcEvents } from '../../src/shared/ipc';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../../src/main/services';
import { AlertsGatewayServer, makeAlert } from './helpers/alerts-gateway';
import { NoSecrets, type Pushed, value } from './helpers/services';
import { makeIdentity, type TlsIdentity } from './helpers/tls-server';
import { waitFor } from '../support/wait';

describe('alerts service over a pinned WebSocket (real TLS WebSocket server)', () => {
  let identity: TlsIdentity;
  let server: AlertsGatewayServer;
  let dir: string;
  let services: MainServices;
  let pushed: Pushed[];
  let shown: AlertNotification[];
  let profileId: string;

  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => services.handlers[channel](...args);
  const of = <E extends IpcEventName>(event: E): IpcEvents[E][] =>
    pushed.filter((p) => p.event === event).map((p) => p.payload as IpcEvents[E]);

  function startServices(options: { nativeNotifications?: boolean } = {}): void {
    const log: Pushed[] = [];
    pushed = log;
    shown = [];
    const notifications = shown;
    services = createMainServices({
      userDataDir: dir,
      secrets: new NoSecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
      events: (event, payload) => log.push({ event, payload } as Pushed),
      appInfo: { version: '0.0.0-test', platform: 'linux', host: 'bridge' },
      timeoutMs: 3_000,
      notify: options.nativeNotifications ? (n) => notifications.push(n) : undefined,
    });
  }

  async function login(): Promise<void> {
    value(await call('auth:login', { profileId, username: 'ana', password: 'pw', remember: false }));
  }

  async function setUp(options: { nativeNotifications?: boolean } = {}): Promise<void> {
    server = await new AlertsGatewayServer(identity).start();
    startServices(options);
    profileId = value(await call('profiles:save', { name: 'Test', url: server.url })).id;
    value(await call('profiles:trustCertificate', { profileId, fingerprint: identity.fingerprint }));
    await login();
    await waitFor(() => server.sockets.length === 1, 'the alerts socket');
  }

  beforeAll(async () => {
    identity = await makeIdentity();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  });

  afterEach(async () => {
    services.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects after login with the bearer token, no cursor yet, and sends the watch list', async () => {
    await setUp();
    const socket = server.last!;
    expect(socket.authorization).toBe(`Bearer ${server.token}`);
    expect(socket.after).toBeNull();
    await waitFor(() => socket.received.length === 1, 'the watch message');
    expect(socket.received[0]).toEqual({ type: 'watch', targets: [] });
  });

  it('puts a pushed alert in the centre and hands the page its notification (browser build)', async () => {
    await setUp();
    server.send({ type: 'caughtUp', cursor: 0 });
    server.send({ type: 'alert', alert: makeAlert(11) });
    await waitFor(() => of('alerts:alert').length === 1, 'the alert event');
    const [event] = of('alerts:alert');
    expect(event!.entry).toEqual({ alert: makeAlert(11), read: false });
    expect(event!.unread).toBe(1);
    expect(event!.notification).toEqual({
      title: 'Risky command · critical — web-001',
      body: makeAlert(11).text,
      silent: false,
      alertId: 11,
    });
    expect(value(await call('alerts:list')).map((e) => e.alert.id)).toEqual([11]);
  });

  it('shows the notification in the shell itself when it has one, and the page gets none', async () => {
    await setUp({ nativeNotifications: true });
    server.send({ type: 'alert', alert: makeAlert(12) });
    await waitFor(() => of('alerts:alert').length === 1, 'the alert event');
    expect(of('alerts:alert')[0]!.notification).toBeNull();
    expect(shown.map((n) => n.alertId)).toEqual([12]);
  });

  it('ignores an alert at or below the cursor (a replay overlapping what was seen)', async () => {
    await setUp();
    server.send({ type: 'alert', alert: makeAlert(20) });
    server.send({ type: 'alert', alert: makeAlert(20) });
    server.send({ type: 'alert', alert: makeAlert(19) });
    server.send({ type: 'alert', alert: makeAlert(21) });
    await waitFor(() => of('alerts:alert').length === 2, 'two alert events');
    expect(value(await call('alerts:list')).map((e) => e.alert.id)).toEqual([21, 20]);
  });

  it('leaves out kinds and criticalities the preferences do not want, but moves the cursor past them', async () => {
    await setUp();
    const preferences = value(await call('alerts:preferences'));
    value(
      await call('alerts:setPreferences', {
        ...preferences,
        kinds: ['riskyCommand', 'sessionDropped'],
        minCriticality: 'high',
      }),
    );
    server.send({
      type: 'alert',
      alert: makeAlert(30, { rule: { name: 'ls', score: 1, criticality: 'low', action: 'allow' } }),
    });
    server.send({
      type: 'alert',
      alert: makeAlert(31, { kind: 'sessionBlocked', rule: null, command: null }),
    });
    server.send({
      type: 'alert',
      alert: makeAlert(32, { kind: 'sessionDropped', rule: null, command: null }),
    });
    await waitFor(() => of('alerts:alert').length === 1, 'the one wanted alert');
    expect(of('alerts:alert')[0]!.entry.alert.id).toBe(32);
    // Saved shortly after, off the event loop.
    const cursor = () =>
      (
        JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8')) as {
          profiles: Record<string, { cursor: number }>;
        }
      ).profiles[profileId]?.cursor;
    await waitFor(
      () => existsSync(join(dir, 'alerts.json')) && cursor() === 32,
      'the cursor saved past them',
    );
  });

  it('no notification during quiet hours, yet the alert reaches the centre', async () => {
    await setUp();
    const preferences = value(await call('alerts:preferences'));
    // Quiet all day except one minute that has just passed.
    const now = new Date();
    const hhmm = (d: Date) =>
      `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const from = hhmm(now);
    const to = hhmm(new Date(now.getTime() - 60_000));
    value(await call('alerts:setPreferences', { ...preferences, quietHours: { from, to } }));
    server.send({ type: 'alert', alert: makeAlert(40) });
    await waitFor(() => of('alerts:alert').length === 1, 'the alert event');
    expect(of('alerts:alert')[0]!.notification).toBeNull();
    expect(value(await call('alerts:list'))).toHaveLength(1);
  });

  it('sends a changed watch list at once on the open socket', async () => {
    await setUp();
    const preferences = value(await call('alerts:preferences'));
    const saved = value(
      await call('alerts:setPreferences', {
        ...preferences,
        watchedTargets: [' db-01 ', 'db-01', 'web-002'],
      }),
    );
    expect(saved.watchedTargets).toEqual(['db-01', 'web-002']);
    const socket = server.last!;
    await waitFor(() => socket.received.length === 2, 'the second watch message');
    expect(socket.received[1]).toEqual({ type: 'watch', targets: ['db-01', 'web-002'] });
  });

  it('reconnects after a drop asking for what came after the cursor; the replay is summed up once', async () => {
    await setUp();
    server.send({ type: 'alert', alert: makeAlert(50) });
    await waitFor(() => of('alerts:alert').length === 1, 'the first alert');
    server.dropAll();
    await waitFor(() => server.sockets.length === 2, 'the reconnect', 10_000);
    expect(server.last!.after).toBe('50');
    server.send({ type: 'alert', alert: makeAlert(51, { late: true }) });
    server.send({ type: 'alert', alert: makeAlert(52, { late: true }) });
    server.send({ type: 'caughtUp', cursor: 52 });
    await waitFor(() => of('alerts:missed').length === 1, 'the summary of missed alerts');
    const late = of('alerts:alert').slice(1);
    expect(late.map((e) => [e.entry.alert.id, e.entry.alert.late, e.notification])).toEqual([
      [51, true, null],
      [52, true, null],
    ]);
    expect(of('alerts:missed')[0]).toMatchObject({ count: 2, notification: { alertId: null } });
  });

  it('keeps the cursor and the centre per profile on disk across a restart', async () => {
    await setUp();
    server.send({ type: 'alert', alert: makeAlert(60) });
    await waitFor(() => of('alerts:alert').length === 1, 'the alert');
    services.close();
    startServices();
    await login();
    await waitFor(() => server.sockets.length === 2, 'the socket of the restarted app');
    expect(server.last!.after).toBe('60');
    expect(value(await call('alerts:list')).map((e) => e.alert.id)).toEqual([60]);
  });

  it("forgets a removed profile's alerts, cursor and preferences", async () => {
    await setUp();
    server.send({ type: 'alert', alert: makeAlert(65) });
    await waitFor(() => of('alerts:alert').length === 1, 'the alert');
    const saved = () =>
      (JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8')) as { profiles: Record<string, unknown> })
        .profiles;
    await waitFor(() => existsSync(join(dir, 'alerts.json')), 'the alerts saved');
    expect(Object.keys(saved())).toEqual([profileId]);
    value(await call('profiles:remove', profileId));
    expect(saved()).toEqual({});
  });

  it('marks read one alert or all of them and says how many stay unread', async () => {
    await setUp();
    for (const id of [70, 71, 72]) server.send({ type: 'alert', alert: makeAlert(id) });
    await waitFor(() => of('alerts:alert').length === 3, 'three alerts');
    expect(value(await call('alerts:markRead', [71]))).toEqual({ unread: 2 });
    expect(value(await call('alerts:list')).map((e) => e.read)).toEqual([false, true, false]);
    expect(value(await call('alerts:markRead', null))).toEqual({ unread: 0 });
  });

  it('refuses malformed preferences and read lists', async () => {
    await setUp();
    const preferences = value(await call('alerts:preferences'));
    expect(
      await call('alerts:setPreferences', { ...preferences, quietHours: { from: '25:00', to: '07:00' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await call('alerts:setPreferences', { ...preferences, kinds: ['nope'] })).toMatchObject({
      ok: false,
    });
    expect(await call('alerts:markRead', ['1'])).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('does not ask a gateway without an alerts socket again until the next login', async () => {
    server = await new AlertsGatewayServer(identity).start();
    server.refuseWith = 404;
    startServices();
    profileId = value(await call('profiles:save', { name: 'Test', url: server.url })).id;
    value(await call('profiles:trustCertificate', { profileId, fingerprint: identity.fingerprint }));
    await login();
    await waitFor(() => !services.alerts.active, 'the alerts service to give up');
    expect(server.sockets).toEqual([]);
  });

  it('stops at logout and answers NOT_LOGGED_IN afterwards', async () => {
    await setUp();
    value(await call('auth:logout'));
    expect(services.alerts.active).toBe(false);
    await waitFor(() => server.last!.ws.readyState === 3, 'the socket to close');
    expect(await call('alerts:list')).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
  });
});
