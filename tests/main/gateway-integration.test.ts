import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { Type } from 'typebox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_PREFIX, AuditEventListSchema, MeSchema, type Session } from '../../src/shared/api';
import type { GatewayProfile, IpcChannel } from '../../src/shared/ipc';
import {
  AuthService,
  BlocksService,
  DirectorySaveTarget,
  GatewayClient,
  KeytarSecretStore,
  LiveService,
  SessionLogsService,
  SessionsService,
  createHandlers,
  createMainServices,
  type MainServices,
  type SecretStore,
} from '../../src/main/services';
import { tokenAccount } from '../../src/main/services/auth-service';
import { KeychainUnavailableError } from '../../src/main/services/errors';
import {
  finishedSession,
  liveSession,
  seedDataDir,
  startGatewayProcess,
  type GatewayProcess,
} from '../support/gateway';
import { missingKeyring } from '../support/programs';
import { waitFor } from '../support/wait';
import { TcpForwarder } from './helpers/tcp-forwarder';
import { type Pushed, value } from './helpers/services';

/** A GET straight to the gateway, whatever its certificate. */
function getInsecure(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });
}

const noKeyring = missingKeyring();
const appInfo = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;
const CAROL_PASSWORD = 'carol-password-1';

/** A machine where libsecret finds no Secret Service: every keychain call fails. */
class NoKeychain implements SecretStore {
  private fail(): Promise<never> {
    return Promise.reject(new KeychainUnavailableError(new Error('no Secret Service on the session bus')));
  }
  get() {
    return this.fail();
  }
  set() {
    return this.fail();
  }
  delete() {
    return this.fail();
  }
}

describe('desktop services against a real gateway process', () => {
  let gateway: GatewayProcess;
  let forwarder: TcpForwarder;
  let dir: string;
  let services: MainServices;
  let pushed: Pushed[];
  let profile: GatewayProfile;
  let sessionIds: number[];
  let users: Record<string, number>;

  const build = (secrets: SecretStore = new KeytarSecretStore()) =>
    createMainServices({
      userDataDir: join(dir, 'user'),
      secrets,
      saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
      events: (event, payload) => pushed.push({ event, payload } as Pushed),
      appInfo,
    });
  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => services.handlers[channel](...args);
  const loginAdmin = (remember = false) =>
    call('auth:login', {
      profileId: profile.id,
      username: 'admin',
      password: gateway.adminPassword,
      remember,
    });
  /** A client of our own, for checks from outside the app (pinned to the real certificate). */
  const direct = () =>
    new GatewayClient({
      profileId: 'test',
      url: gateway.url,
      events: () => undefined,
      pin: { current: () => gateway.fingerprint },
    });
  const adminToken = async () =>
    (
      await direct().call('POST', `${API_PREFIX}/auth/login`, Type.Object({ token: Type.String() }), {
        body: { username: 'admin', password: gateway.adminPassword },
      })
    ).token;

  beforeAll(async () => {
    gateway = await startGatewayProcess();
    const seeded = await seedDataDir(gateway.dataDir, {
      users: [
        { login: 'carol', name: 'Carol Auditor', role: 'PAM Auditor', password: CAROL_PASSWORD },
        { login: 'dave', name: 'Dave Auditor', role: 'PAM Auditor' },
      ],
      sessions: [
        finishedSession('op1', '2025-01-01T10:00:00Z'),
        finishedSession('op1', '2025-01-02T10:00:00Z'),
        finishedSession('op2', '2025-01-03T10:00:00Z', { protocol: 'rdp', proxy: 'RDP Proxy' }),
        finishedSession('op2', '2025-01-04T10:00:00Z', { protocol: 'rdp', proxy: 'RDP Proxy' }),
        liveSession('op1', '2025-01-05T10:00:00Z'),
      ],
    });
    sessionIds = seeded.sessionIds;
    users = seeded.users;
    forwarder = await new TcpForwarder(gateway.httpPort).start();
    dir = mkdtempSync(join(tmpdir(), 'vigil-main-it-'));
    pushed = [];
    services = build();
    profile = value(
      await call('profiles:save', { name: 'Test gateway', url: `https://127.0.0.1:${forwarder.port}` }),
    );
  });

  afterAll(async () => {
    await forwarder?.stop();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    pushed = [];
  });

  describe('logged in as admin', () => {
    beforeAll(async () => {
      expect(profile.fingerprint).toBeNull();
      // A first connection trusts nothing: the user is shown the fingerprint and trusts it.
      const first = await loginAdmin();
      expect(first).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_NOT_TRUSTED' } });
      if (first.ok) return;
      expect(first.error.message).toContain(gateway.fingerprint);
      expect(value(await call('profiles:list'))[0]?.fingerprint).toBeNull();
      value(
        await call('profiles:trustCertificate', { profileId: profile.id, fingerprint: gateway.fingerprint }),
      );
      value(await loginAdmin());
    });

    it('pinned the certificate the user trusted and remembers the login name, not the token', async () => {
      const [stored] = value(await call('profiles:list'));
      expect(stored).toMatchObject({ id: profile.id, fingerprint: gateway.fingerprint, lastLogin: 'admin' });
      const state = value(await call('auth:state'));
      expect(state).toMatchObject({
        profileId: profile.id,
        user: { login: 'admin', roles: ['System Administrator'] },
      });
      expect(Object.keys(state ?? {}).sort()).toEqual(['expiresAt', 'profileId', 'user']);
      expect(readFileSync(join(dir, 'user', 'profiles.json'), 'utf8')).not.toContain(gateway.adminPassword);
    });

    it('lists sessions with filters and server-side paging', async () => {
      const all = value(await call('sessions:list', { pageSize: 500 }));
      expect(all.total).toBe(5);
      const rdp = value(await call('sessions:list', { protocol: 'rdp' }));
      expect(rdp.total).toBe(2);
      expect(rdp.items.every((s) => s.protocol === 'rdp')).toBe(true);
      const live = value(await call('sessions:list', { status: 'live' }));
      expect(live.items.map((s) => s.id)).toEqual([sessionIds[4]]);
      const page2 = value(await call('sessions:list', { pageSize: 2, page: 2 }));
      expect(page2).toMatchObject({ page: 2, pageSize: 2, total: 5 });
      expect(page2.items).toHaveLength(2);
      const byUser = value(await call('sessions:list', { user: 'op2' }));
      expect(byUser.items.every((s) => s.user.login === 'op2')).toBe(true);
    });

    it('gets one session with its allowed actions', async () => {
      const session = value(await call('sessions:get', sessionIds[0]));
      expect(session).toMatchObject({ id: sessionIds[0], status: 'finished', user: { login: 'op1' } });
      expect(session.allowedActions).toEqual(
        expect.arrayContaining(['logs', 'video', 'preventPurge', 'configureAuditors']),
      );
      expect(session.allowedActions).not.toContain('drop');
      expect(await call('sessions:get', 999_999)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });

    it('exports the filtered list as CSV into the chosen file', async () => {
      const exported = value(await call('sessions:exportCsv', { protocol: 'rdp' }));
      expect(exported.path).toMatch(/vigil-sessions-\d{8}-\d{6}\.csv$/);
      const text = readFileSync(exported.path ?? '', 'utf8');
      expect(exported.bytes).toBe(Buffer.byteLength(text));
      const lines = text.trim().split(/\r?\n/);
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/id/i);
    });

    it('sets and clears prevent purge with a justification', async () => {
      const id = sessionIds[1];
      const set: Session = value(
        await call('sessions:setPreventPurge', {
          sessionId: id,
          justification: '  Legal hold for case 42  ',
        }),
      );
      expect(set.preventPurge).toMatchObject({
        justification: 'Legal hold for case 42',
        by: { login: 'admin' },
      });
      expect(value(await call('sessions:get', id)).preventPurge).not.toBeNull();
      const cleared = value(
        await call('sessions:clearPreventPurge', { sessionId: id, justification: 'Case 42 closed' }),
      );
      expect(cleared.preventPurge).toBeNull();
    });

    it('configures auditors with users from the picker', async () => {
      const picker = value(await call('users:list'));
      expect(picker.map((u) => u.login)).toEqual(expect.arrayContaining(['admin', 'carol', 'dave']));
      const id = sessionIds[2];
      const saved = value(
        await call('sessions:setAuditors', { sessionId: id, userIds: [users.carol, users.dave] }),
      );
      expect(saved.auditors.map((u) => u.login).sort()).toEqual(['carol', 'dave']);
      expect(
        value(await call('sessions:getAuditors', id))
          .auditors.map((u) => u.login)
          .sort(),
      ).toEqual(['carol', 'dave']);
      expect(value(await call('sessions:setAuditors', { sessionId: id, userIds: [] })).auditors).toEqual([]);
    });

    it('passes the gateway refusal of bad input through as a Result', async () => {
      const result = await call('sessions:setAuditors', { sessionId: sessionIds[0], userIds: [987_654] });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(['VALIDATION', 'NOT_FOUND']).toContain(result.error.code);
    });

    it('logs out: state is cleared and the token no longer works', async () => {
      value(await call('auth:logout'));
      expect(value(await call('auth:state'))).toBeNull();
      expect(await call('sessions:list', {})).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
      expect(pushed).toEqual([]);
    });
  });

  it('a wrong password is an error of the login, not an expired session', async () => {
    const result = await call('auth:login', {
      profileId: profile.id,
      username: 'carol',
      password: 'nope',
      remember: false,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } });
    expect(pushed).toEqual([]);
  });

  it('a PAM Auditor gets only the actions its role allows', async () => {
    value(
      await call('auth:login', {
        profileId: profile.id,
        username: 'carol',
        password: CAROL_PASSWORD,
        remember: false,
      }),
    );
    const session = value(await call('sessions:get', sessionIds[0]));
    expect(session.allowedActions).toEqual(expect.arrayContaining(['logs', 'video']));
    expect(session.allowedActions).not.toContain('preventPurge');
    expect(
      await call('sessions:setPreventPurge', { sessionId: sessionIds[0], justification: 'Not allowed here' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    value(await call('auth:logout'));
  });

  it('remember without a usable keychain fails clearly, revokes the new token and allows a plain login', async () => {
    const token = await adminToken();
    const logouts = async () =>
      (
        await direct().call('GET', `${API_PREFIX}/audit/events`, AuditEventListSchema, {
          token,
          query: { type: 'Logout', pageSize: 500 },
        })
      ).total;
    const before = await logouts();
    const withoutKeychain = build(new NoKeychain());
    const remembered = await withoutKeychain.handlers['auth:login']({
      profileId: profile.id,
      username: 'admin',
      password: gateway.adminPassword,
      remember: true,
    });
    expect(remembered).toMatchObject({ ok: false, error: { code: 'KEYCHAIN_UNAVAILABLE' } });
    expect(value(await withoutKeychain.handlers['auth:state']())).toBeNull();
    expect(await logouts()).toBe(before + 1);
    const plain = await withoutKeychain.handlers['auth:login']({
      profileId: profile.id,
      username: 'admin',
      password: gateway.adminPassword,
      remember: false,
    });
    expect(plain.ok).toBe(true);
    expect(value(await withoutKeychain.handlers['auth:resume'](profile.id))).toMatchObject({
      profileId: profile.id,
    });
    await withoutKeychain.handlers['auth:logout']();
  });

  it('a token past its expiry ends the session locally with auth:expired, without calling the gateway', async () => {
    let now = Date.now();
    const profiles = services.profiles;
    const auth = new AuthService({
      profiles,
      secrets: new KeytarSecretStore(),
      events: (event, payload) => pushed.push({ event, payload } as Pushed),
      now: () => now,
    });
    const handlers = createHandlers({
      profiles,
      auth,
      sessions: new SessionsService(auth, new DirectorySaveTarget(dir)),
      blocks: new BlocksService(auth),
      live: new LiveService({ auth, events: () => undefined }),
      logs: new SessionLogsService(auth),
      appInfo,
    });
    const state = value(
      await handlers['auth:login']({
        profileId: profile.id,
        username: 'admin',
        password: gateway.adminPassword,
        remember: false,
      }),
    );
    now = Date.parse(state.expiresAt) + 1;
    const before = gateway.output().length;
    expect(await handlers['sessions:list']({})).toMatchObject({
      ok: false,
      error: { code: 'NOT_LOGGED_IN' },
    });
    expect(pushed).toEqual([{ event: 'auth:expired', payload: { profileId: profile.id } }]);
    expect(value(await handlers['auth:state']())).toBeNull();
    expect(gateway.output().slice(before)).not.toContain('/api/v1/sessions');
  });

  describe.skipIf(noKeyring !== null)(
    `with the OS keychain${noKeyring ? ` (skipped: ${noKeyring})` : ''}`,
    () => {
      const storedToken = async () => {
        const text = await keytar.getPassword('Vigil', tokenAccount(profile.id));
        return text === null ? null : (JSON.parse(text) as { token: string; expiresAt: string });
      };
      const tokenWorks = async (token: string) =>
        direct()
          .call('GET', `${API_PREFIX}/me`, MeSchema, { token })
          .then(
            () => true,
            (error: { status?: number }) => {
              if (error.status === 401) return false;
              throw error;
            },
          );

      it('keeps the token (never the password) and resumes after a restart', async () => {
        const state = value(await loginAdmin(true));
        const stored = await storedToken();
        expect(stored).toMatchObject({ expiresAt: state.expiresAt });
        expect(JSON.stringify(stored)).not.toContain(gateway.adminPassword);
        const restarted = build();
        expect(value(await restarted.handlers['auth:state']())).toBeNull();
        expect(value(await restarted.handlers['auth:resume'](profile.id))).toEqual(state);
        // The replaced instance is still logged in: its updates socket must not outlive the test.
        services.close();
        services = restarted;
      });

      it('logout revokes the token on the gateway and deletes it from the keychain', async () => {
        value(await loginAdmin(true));
        const stored = await storedToken();
        expect(stored).not.toBeNull();
        expect(await tokenWorks(stored?.token ?? '')).toBe(true);
        value(await call('auth:logout'));
        expect(await tokenWorks(stored?.token ?? '')).toBe(false);
        expect(await storedToken()).toBeNull();
        expect(value(await call('auth:resume', profile.id))).toBeNull();
      });

      it('a token revoked elsewhere ends the session: auth:expired, keychain entry gone', async () => {
        value(await loginAdmin(true));
        const stored = await storedToken();
        await direct().call('POST', `${API_PREFIX}/auth/logout`, Type.Unknown(), { token: stored?.token });
        const result = await call('sessions:list', {});
        expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN' } });
        expect(pushed).toEqual([{ event: 'auth:expired', payload: { profileId: profile.id } }]);
        expect(value(await call('auth:state'))).toBeNull();
        expect(await storedToken()).toBeNull();
      });

      it('login without remember removes an earlier remembered token', async () => {
        value(await loginAdmin(true));
        expect(await storedToken()).not.toBeNull();
        value(await loginAdmin(false));
        expect(await storedToken()).toBeNull();
        value(await call('auth:logout'));
      });
    },
  );

  describe('when the gateway comes back with another certificate', () => {
    let oldFingerprint: string;

    beforeAll(async () => {
      value(await loginAdmin());
      // The session-updates socket would reconnect in the background and raise its own alarm at
      // an unpredictable moment; these tests count alarms of the calls they make (the socket's
      // behaviour is covered in live-sockets.test.ts).
      services.updates.stop();
      oldFingerprint = gateway.fingerprint;
      const dataDir = gateway.dataDir;
      await gateway.stop({ keepData: true });
      unlinkSync(join(dataDir, 'tls-key.pem'));
      unlinkSync(join(dataDir, 'tls-cert.pem'));
      const owner = gateway;
      gateway = await startGatewayProcess({ dataDir, adminPassword: owner.adminPassword });
      forwarder.retarget(gateway.httpPort);
      // The first process made the folder; stopping the new one must still clean it up.
      const stop = gateway.stop;
      gateway.stop = async (options) => {
        await stop(options);
        if (!options?.keepData) rmSync(owner.dataDir, { recursive: true, force: true });
      };
    });

    it('blocks the call before sending the token and raises the alarm', async () => {
      expect(gateway.fingerprint).not.toBe(oldFingerprint);
      const before = gateway.output().length;
      const result = await call('sessions:list', {});
      expect(result).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_CHANGED' } });
      if (!result.ok) {
        expect(result.error.message).toContain(oldFingerprint);
        expect(result.error.message).toContain(gateway.fingerprint);
      }
      expect(pushed).toEqual([
        {
          event: 'cert:alarm',
          payload: { profileId: profile.id, expected: oldFingerprint, actual: gateway.fingerprint },
        },
      ]);
      // The gateway logs every request it receives: a request sent after the refused call is the
      // only one logged, so the refused call never arrived.
      await getInsecure(`${gateway.url}/api/v1/openapi.json?after-the-alarm`);
      await waitFor(
        () => gateway.output().includes('after-the-alarm'),
        'the later request in the gateway log',
      );
      expect(
        gateway
          .output()
          .slice(before)
          .match(/"url":"\/api\/v1\/[^"]*"/g),
      ).toEqual(['"url":"/api/v1/openapi.json?after-the-alarm"']);
      expect(value(await call('profiles:list'))[0]?.fingerprint).toBe(oldFingerprint);
    });

    it('keeps blocking logins too, so the password is not sent either', async () => {
      expect(await loginAdmin()).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_CHANGED' } });
      expect(pushed.map((p) => p.event)).toEqual(['cert:alarm']);
    });

    it('after the user forgets the old certificate and trusts the new one, logins work again', async () => {
      const forgotten = value(await call('profiles:forgetCertificate', profile.id));
      expect(forgotten.fingerprint).toBeNull();
      expect(value(await call('auth:state'))).toBeNull();
      expect(await loginAdmin()).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_NOT_TRUSTED' } });
      value(
        await call('profiles:trustCertificate', { profileId: profile.id, fingerprint: gateway.fingerprint }),
      );
      const before = gateway.output().length;
      value(await loginAdmin());
      // The control for the log check above: requests that do arrive are in the log.
      expect(gateway.output().slice(before)).toMatch(/"url":"\/api\/v1\/auth\/login"/);
      expect(value(await call('profiles:list'))[0]?.fingerprint).toBe(gateway.fingerprint);
      expect(value(await call('sessions:list', {})).total).toBe(5);
      value(await call('auth:logout'));
      expect(existsSync(join(dir, 'user', 'profiles.json'))).toBe(true);
    });
  });
});
