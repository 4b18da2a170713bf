import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertServerMessage } from '../../src/shared/alerts';
import { ALERTS_SOCKET_PATH } from '../../src/shared/alerts';
import { API_PREFIX } from '../../src/shared/api';
import type { Role } from '../../src/shared/permissions';
import { commandBlockedMessage } from '../../src/shared/rules';
import { hashPassword } from '../../src/gateway/crypto/passwords';
import { FAST_SCRYPT } from '../support/gatewayApp';
import { missingProgram } from '../support/programs';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { TestSocket } from '../support/wsClient';
import { addOperatorKey, TmuxPanes, waitScreen, withKeyOptions, type Pane } from './opensshClient';
import { startTestbed, TARGET_NAME, type Testbed } from './sshTestbed';

const skip = sshdSkipReason() ?? missingProgram('ssh', 'tmux');
const DAY_MS = 86_400_000;

/** An app's alerts socket: the messages as the gateway sends them, taken in order. */
class AlertClient {
  constructor(readonly socket: TestSocket) {}

  async next(timeoutMs = 10_000): Promise<AlertServerMessage> {
    return (await this.socket.nextJson(timeoutMs)) as unknown as AlertServerMessage;
  }

  async alert(timeoutMs?: number): Promise<Alert> {
    const message = await this.next(timeoutMs);
    if (message.type !== 'alert') throw new Error(`expected an alert, got ${JSON.stringify(message)}`);
    return message.alert;
  }

  async caughtUp(): Promise<number> {
    const message = await this.next();
    if (message.type !== 'caughtUp') throw new Error(`expected caughtUp, got ${JSON.stringify(message)}`);
    return message.cursor;
  }

  /** Alerts up to caughtUp (a replay). */
  async replayed(): Promise<{ alerts: Alert[]; cursor: number }> {
    const alerts: Alert[] = [];
    for (;;) {
      const message = await this.next();
      if (message.type === 'caughtUp') return { alerts, cursor: message.cursor };
      if (message.type !== 'alert') throw new Error(`unexpected ${JSON.stringify(message)}`);
      alerts.push(message.alert);
    }
  }

  send(message: unknown): void {
    this.socket.ws.send(JSON.stringify(message));
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Alerts pushed to auditors' apps, derived from the audit trail: a real OpenSSH operator's risky
 * command, blocks and drops by an auditor, a refused operator, a watched target's session start,
 * and the replay of what an app missed.
 */
describe.skipIf(skip !== null)(`Alerts socket${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let bed: Testbed;
  let keyFile: string;
  const panes = new TmuxPanes();
  const clients: AlertClient[] = [];
  const tag = randomBytes(3).toString('hex');
  const rule = `critical-rm-${tag}`;
  const ids: Record<string, number> = {};
  const tokens: Record<string, string> = {};

  async function addUser(login: string, role: Role): Promise<void> {
    const password = `${login}-password-1`;
    const id = await bed.store.users.create({
      login,
      name: `${login} name`,
      passwordHash: await hashPassword(password, FAST_SCRYPT),
      roles: [role],
      at: Date.now(),
    });
    if (id === null) throw new Error(`user ${login} exists`);
    ids[login] = id;
    if (role === 'Operator') return;
    const res = await bed.gateway.app.inject({
      method: 'POST',
      url: `${API_PREFIX}/auth/login`,
      payload: { username: login, password },
    });
    expect(res.statusCode, res.body).toBe(200);
    tokens[login] = (res.json() as { token: string }).token;
  }

  function connect(login: string, query = ''): AlertClient {
    const url = `${bed.gateway.url.replace(/^https/, 'wss')}${API_PREFIX}${ALERTS_SOCKET_PATH}${query}`;
    const client = new AlertClient(new TestSocket(url, { authorization: `Bearer ${tokens[login]}` }));
    clients.push(client);
    return client;
  }

  const api = (method: 'PUT' | 'POST', url: string, login: string, payload?: object) =>
    bed.gateway.app.inject({
      method,
      url: `${API_PREFIX}${url}`,
      headers: { authorization: `Bearer ${tokens[login]}` },
      ...(payload === undefined ? {} : { payload }),
    });

  async function lastSessionOf(login: string): Promise<number> {
    const [row] = await bed.sql('SELECT max(id) AS id FROM sessions WHERE user_id = ?', [ids[login]!]);
    return Number(row?.id ?? 0);
  }

  /** `ssh` to the target in a new tmux pane as rita. */
  function ritaSsh(name: string): Pane {
    const args = [
      '-tt',
      ...withKeyOptions(bed.sshPort, keyFile),
      `rita@${sshd.user}@${TARGET_NAME}@127.0.0.1`,
    ];
    return panes.ssh(name, args, { cols: 150, rows: 40 }, 'TERM=xterm-256color ');
  }

  beforeAll(async () => {
    sshd = await startSshd();
    bed = await startTestbed(sshd);
    await addUser('rita', 'Operator');
    await bed.admin.grantAccess('rita', TARGET_NAME, sshd.user);
    keyFile = await addOperatorKey(bed, 'rita');
    await addUser('ana', 'PAM Administrator');
    await addUser('boss', 'System Administrator');
    await addUser('sam', 'PAM Auditor');
    await addUser('otto', 'PAM Auditor');
    // PAM Auditors keep Recording only: they see alerts of the sessions they are listed on, no others.
    await bed.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Livestream');
    await bed.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Logs');
    const added = await bed.store.commandRules.add({
      name: rule,
      pattern: 'rm\\s+-rf',
      score: 95,
      criticality: 'critical',
      action: 'block',
      targetId: null,
      createdAt: Date.now(),
    });
    expect(added).toBe(true);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    panes.kill();
    await bed?.stop();
    await sshd?.stop();
  });

  let start = 0;
  let sessionId = 0;
  const live: Partial<Record<'ana' | 'boss' | 'sam' | 'otto', AlertClient>> = {};

  it('refuses callers outside the audit area and bad queries', async () => {
    expect(await connect('ana', '?after=-1').socket.refused).toBe(400);
    expect(await connect('ana', '?watch=' + 'x'.repeat(300)).socket.refused).toBe(400);
    const anonymous = new TestSocket(
      `${bed.gateway.url.replace(/^https/, 'wss')}${API_PREFIX}${ALERTS_SOCKET_PATH}`,
    );
    expect(await anonymous.refused).toBe(401);
  });

  it('pushes a watched target session start, then a critical command typed in real OpenSSH', async () => {
    for (const login of ['ana', 'boss', 'sam', 'otto'] as const) live[login] = connect(login);
    start = await live.ana!.caughtUp();
    for (const login of ['boss', 'sam', 'otto'] as const)
      expect(await live[login]!.caughtUp()).toBeGreaterThanOrEqual(start);
    live.ana!.send({ type: 'watch', targets: [TARGET_NAME.toUpperCase()] });
    live.boss!.send({ type: 'watch', targets: 'web' });
    expect(await live.boss!.next()).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });

    const pane = ritaSsh('risky');
    const started = await live.ana!.alert();
    sessionId = await lastSessionOf('rita');
    expect(started).toMatchObject({
      kind: 'watchedTarget',
      sessionId,
      live: true,
      operator: 'rita',
      target: TARGET_NAME,
      actor: null,
      rule: null,
      late: false,
    });
    expect(started.text).toContain(`rita started a session on ${TARGET_NAME}`);
    await bed.store.auditors.replace(sessionId, [ids.sam!], null, Date.now());

    pane.keys('echo READY-$((40+2))', 'Enter');
    await waitScreen(pane, /^READY-42$/m);
    const command = `rm -rf /tmp/vigil-alerts-${tag}`;
    pane.keys(command, 'Enter');
    await waitScreen(pane, commandBlockedMessage(rule));

    const expected = {
      kind: 'riskyCommand',
      sessionId,
      live: true,
      operator: 'rita',
      target: TARGET_NAME,
      actor: null,
      rule: { name: rule, score: 95, criticality: 'critical', action: 'block' },
      command,
      late: false,
    };
    const risky = await live.ana!.alert();
    expect(risky).toMatchObject(expected);
    expect(risky.id).toBeGreaterThan(started.id);
    expect(risky.atMs).toBeGreaterThan(0);
    expect(risky.text).toContain(command);
    // A listed auditor and a global holder get it too; boss watches nothing, so not the start.
    expect(await live.sam!.alert()).toMatchObject({ ...expected, id: risky.id });
    expect(await live.boss!.alert()).toMatchObject({ ...expected, id: risky.id });
  });

  it('tells others of a block and a drop, not the auditor who did them', async () => {
    const blocked = await api('PUT', `/sessions/${sessionId}/interactivity`, 'boss', { blocked: true });
    expect(blocked.statusCode, blocked.body).toBe(200);
    expect(await live.ana!.alert()).toMatchObject({
      kind: 'sessionBlocked',
      sessionId,
      operator: 'rita',
      target: TARGET_NAME,
      actor: 'boss',
      late: false,
    });
    const dropped = await api('POST', `/sessions/${sessionId}/drop`, 'boss');
    expect(dropped.statusCode, dropped.body).toBe(200);
    const drop = await live.ana!.alert();
    expect(drop).toMatchObject({ kind: 'sessionDropped', sessionId, actor: 'boss', operator: 'rita' });
    expect(drop.text).toContain('boss dropped the session of rita');
    expect(await live.sam!.alert()).toMatchObject({ kind: 'sessionBlocked', actor: 'boss' });
    expect(await live.sam!.alert()).toMatchObject({ kind: 'sessionDropped', actor: 'boss' });
  });

  it('tells global holders of an operator refused because of a block', async () => {
    // The block outlives the dropped session: rita's next session is refused.
    const pane = ritaSsh('refused');
    await waitScreen(pane, /SSH-EXIT=\d+/);
    const expected = {
      kind: 'operatorRefused',
      sessionId: null,
      operator: 'rita',
      target: TARGET_NAME,
      actor: null,
    };
    expect(await live.ana!.alert()).toMatchObject(expected);
    // boss's own block and drop were skipped: the refusal comes right after the risky command.
    expect(await live.boss!.alert()).toMatchObject(expected);
  });

  it('gives nothing to an auditor without access, until listed on the session', async () => {
    // Written by another process (as the CLI would): the poll finds it.
    await bed.store.auditors.replace(sessionId, [ids.sam!, ids.otto!], null, Date.now());
    const sentinel = await bed.store.events.append({
      type: 'Observed Event',
      at: Date.now(),
      actorId: ids.rita!,
      originIp: '127.0.0.1',
      sessionId,
      note: `Rule sudo-${tag} (low, allowed): sudo -l`,
    });
    // otto's first alert is this one: none of the earlier ones reached him.
    expect(await live.otto!.alert()).toMatchObject({
      id: sentinel.id,
      kind: 'riskyCommand',
      live: false,
      rule: null,
      command: 'sudo -l',
    });
    expect(await live.sam!.alert()).toMatchObject({ id: sentinel.id });
    expect(await live.ana!.alert()).toMatchObject({ id: sentinel.id });
  });

  it('replays what an app missed after its cursor, in order, marked late', async () => {
    const again = connect('ana', `?after=${start}&watch=${TARGET_NAME}`);
    const { alerts, cursor } = await again.replayed();
    expect(alerts.map((a) => a.kind)).toEqual([
      'watchedTarget',
      'riskyCommand',
      'sessionBlocked',
      'sessionDropped',
      'operatorRefused',
      'riskyCommand',
    ]);
    expect(alerts.every((a) => a.late)).toBe(true);
    expect(alerts.map((a) => a.id)).toEqual([...alerts.map((a) => a.id)].sort((x, y) => x - y));
    expect(alerts[1]).toMatchObject({ operator: 'rita', command: `rm -rf /tmp/vigil-alerts-${tag}` });
    expect(alerts[3]!.live).toBe(false);
    expect(cursor).toBeGreaterThanOrEqual(alerts[alerts.length - 1]!.id);
    again.close();

    // Without watching the target, the start is not among them; after the cursor, nothing.
    const unwatched = connect('ana', `?after=${start}`);
    expect((await unwatched.replayed()).alerts.map((a) => a.kind)[0]).toBe('riskyCommand');
    const current = connect('ana', `?after=${cursor}`);
    expect((await current.replayed()).alerts).toEqual([]);
    // otto, listed now, is replayed the session's alerts; the refusal (no session) is not his.
    const otto = connect('otto', `?after=${start}`);
    expect((await otto.replayed()).alerts.map((a) => a.kind)).toEqual([
      'riskyCommand',
      'sessionBlocked',
      'sessionDropped',
      'riskyCommand',
    ]);
  });

  it('replays the last 7 days only, at most 500 alerts, the newest', async () => {
    const from = (await connect('ana').caughtUp()) + 0;
    const refusal = (at: number, n: number) =>
      bed.store.events.append({
        type: 'Access refused',
        at,
        actorId: ids.rita!,
        originIp: '127.0.0.1',
        sessionId: null,
        note: `SSH shell as ${sshd.user} on ${TARGET_NAME} refused (blocked): attempt ${n}`,
      });
    const old = Date.now() - 8 * DAY_MS;
    for (let n = 0; n < 3; n++) await refusal(old, n);
    const recent: number[] = [];
    for (let n = 0; n < 2; n++) recent.push((await refusal(Date.now(), n)).id);
    const week = await connect('ana', `?after=${from}`).replayed();
    expect(week.alerts.map((a) => a.id)).toEqual(recent);

    for (let n = 2; n < 503; n++) recent.push((await refusal(Date.now(), n)).id);
    const capped = await connect('boss', `?after=${from}`).replayed();
    expect(capped.alerts).toHaveLength(500);
    expect(capped.alerts.map((a) => a.id)).toEqual(recent.slice(-500));
    expect(capped.alerts[499]!.text).toContain('attempt 502');
    expect(capped.cursor).toBe(recent[recent.length - 1]);
  }, 120_000);

  it('closes the socket of a user who logged out', async () => {
    const sam = live.sam!;
    const logout = await api('POST', '/auth/logout', 'sam');
    expect(logout.statusCode, logout.body).toBeLessThan(300);
    expect((await sam.socket.closed).code).toBe(4401);
  });
});
