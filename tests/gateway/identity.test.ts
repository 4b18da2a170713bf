import { afterEach, describe, expect, test } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/gateway/crypto/passwords';
import { hashToken } from '../../src/gateway/crypto/tokens';
import { createTestGateway, FAST_SCRYPT, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
/** The gateway the current test opened; the password tests open none. */
let opened: TestGateway | undefined;
let now = Date.parse('2025-06-01T12:00:00Z');
const clock = () => now;

const openGateway = async (options: Parameters<typeof createTestGateway>[0]) => {
  gw = opened = await createTestGateway(options);
};

afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

const login = (username: string, password: string) =>
  gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

describe('login', () => {
  test('returns a token, its expiry (8 h) and the user with roles and permissions', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const res = await login('ana', 'ana-secret-1');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expiresAt).toBe(new Date(now + 8 * 3_600_000).toISOString());
    expect(body.user).toEqual({
      id: expect.any(Number),
      login: 'ana',
      name: 'ana name',
      roles: ['PAM Auditor'],
      permissions: [
        'PAM.SessionManagement.Livestream',
        'PAM.SessionManagement.Recording',
        'PAM.SessionManagement.Logs',
      ],
    });
    // Only the SHA-256 of the token is stored.
    const stored = (await gw.sql('SELECT token_hash FROM tokens')).map((row) => row.token_hash);
    expect(stored).toEqual([hashToken(body.token)]);
    expect(JSON.stringify(await gw.sql('SELECT * FROM tokens'))).not.toContain(body.token);
    const me = await gw.request({ method: 'GET', url: '/api/v1/me', token: body.token });
    expect(me.json()).toEqual(body.user);
    // Logins are case-insensitive.
    expect((await login('ANA', 'ana-secret-1')).statusCode).toBe(200);
  });

  test('wrong password and unknown user get the same answer and leave Login failed events', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const wrong = await login('ana', 'nope-nope');
    const unknown = await login('ghost', 'nope-nope');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toEqual({
      error: { code: 'INVALID_CREDENTIALS', message: 'Invalid username or password' },
    });
    const events = (await gw.store.events.list({ type: 'Login failed' }, 0, 10)).items;
    expect(events.map((e) => e.note)).toEqual(['Login "ghost" failed', 'Login "ana" failed']);
    expect(events[1]!.actor?.login).toBe('ana');
    expect(events[0]!.actor).toBeNull();
  });

  test('5 failures within 15 minutes lock the login for 15 minutes (429), unknown logins too', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    for (let i = 0; i < 4; i++) {
      now += 60_000;
      expect((await login('ana', `wrong-${i}`)).statusCode).toBe(401);
    }
    now += 60_000;
    const fifth = await login('ana', 'wrong-5');
    expect(fifth.statusCode).toBe(429);
    const until = new Date(now + 15 * 60_000).toISOString();
    expect(fifth.json().error).toEqual({
      code: 'LOCKED',
      message: `Too many failed logins: this login is locked until ${until}`,
    });
    // Even the right password is refused while locked.
    now += 14 * 60_000;
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(429);
    expect((await gw.store.events.list({ type: 'Login locked' }, 0, 10)).total).toBe(2);
    now += 60_000 + 1;
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(200);

    for (let i = 0; i < 5; i++) await login('ghost', 'x-x-x-x');
    expect((await login('ghost', 'x-x-x-x')).statusCode).toBe(429);
  });

  test('failures spread over more than 15 minutes do not lock', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    for (let i = 0; i < 8; i++) {
      now += 4 * 60_000;
      expect((await login('ana', 'wrong')).statusCode).toBe(401);
    }
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(200);
  });

  test('a successful login resets the failure count', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    for (let i = 0; i < 4; i++) await login('ana', 'wrong');
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login('ana', 'wrong')).statusCode).toBe(401);
  });
});

describe('login limits', () => {
  const loginFrom = (remoteAddress: string, username: string, password: string) =>
    gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress,
      payload: { username, password },
    });
  const failedChecks = async () => (await gw.store.events.list({ type: 'Login failed' }, 0, 1)).total;

  test('200 concurrent wrong logins: at most 5 passwords are checked, the rest get 429', async () => {
    await openGateway({ clock, identity: { perIpMaxAttempts: 1000 } });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => loginFrom(`10.1.0.${i % 250}`, 'ana', `guess-${i}`)),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(await failedChecks()).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(195);
    // The fifth failure locked the login: the right password now waits for the lock to end.
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(429);
  });

  test('SSH password checks share the limit: 200 concurrent wrong ones, at most 5 checked', async () => {
    await openGateway({ clock, identity: { perIpMaxAttempts: 1000 } });
    await gw.addUser('bob', 'Operator', 'bob-secret-1');
    const { IdentityService, DEFAULT_IDENTITY } = await import('../../src/gateway/services/identity');
    const identity = new IdentityService(gw.services.store, clock, {
      ...DEFAULT_IDENTITY,
      perIpMaxAttempts: 1000,
      scrypt: FAST_SCRYPT,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => identity.verifyLogin('bob', `guess-${i}`, '10.2.0.1')),
    );
    const codes = outcomes.map((o) =>
      o.status === 'rejected' ? (o.reason as { statusCode: number }).statusCode : 200,
    );
    expect(await failedChecks()).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(195);
  });

  test('one source address may fail a few checks across logins, then gets 429 until its window passes', async () => {
    await openGateway({ clock, identity: { perIpMaxAttempts: 3, perIpWindowMs: 60_000 } });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    // Successful logins are not limited.
    for (let i = 0; i < 5; i++)
      expect((await loginFrom('10.0.0.9', 'ana', 'ana-secret-1')).statusCode).toBe(200);
    for (const name of ['carol', 'dave', 'erin']) {
      expect((await loginFrom('10.0.0.9', name, 'Summer2025!')).statusCode).toBe(401);
    }
    const refused = await loginFrom('10.0.0.9', 'frank', 'Summer2025!');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toEqual({
      code: 'RATE_LIMITED',
      message: 'Too many failed logins from this address: try again later',
    });
    expect((await loginFrom('10.0.0.9', 'ana', 'ana-secret-1')).statusCode).toBe(429);
    expect(await failedChecks()).toBe(3);
    // Another address is not affected; nor is this one once its window has passed.
    expect((await loginFrom('10.0.0.10', 'frank', 'Summer2025!')).statusCode).toBe(401);
    now += 60_001;
    expect((await loginFrom('10.0.0.9', 'ana', 'ana-secret-1')).statusCode).toBe(200);

    // Concurrent guesses from one address against many logins: only its quota is checked.
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => loginFrom('10.0.0.11', `user${i}`, 'Summer2025!')),
    );
    expect(answers.filter((a) => a.statusCode === 401)).toHaveLength(3);
    expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(97);
  });

  test('refusals of a locked login leave one event per minute, counting the others', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    for (let i = 0; i < 5; i++) await login('ana', `wrong-${i}`);
    const lockedEvents = async () => (await gw.store.events.list({ type: 'Login locked' }, 0, 100)).items;
    expect(await lockedEvents()).toHaveLength(1);
    for (let i = 0; i < 50; i++) {
      now += 1000;
      expect((await login('ana', 'ana-secret-1')).statusCode).toBe(429);
    }
    // The first refusal is logged; the next 49 within its minute are only counted.
    expect(await lockedEvents()).toHaveLength(2);
    // A minute after the logged refusal, the next one is logged again.
    now += 11_000;
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(429);
    const events = await lockedEvents();
    expect(events).toHaveLength(3);
    expect(events[0]!.note).toMatch(
      /^Login "ana" refused while locked until .* \(49 more refused since the previous event\)$/,
    );
    expect(events[0]!.actor?.login).toBe('ana');
  });
});

describe('tokens', () => {
  test('expire after the configured time', async () => {
    await openGateway({ clock, identity: { tokenTtlMs: 60_000 } });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const token = (await login('ana', 'ana-secret-1')).json().token as string;
    expect((await gw.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(200);
    now += 60_000;
    const expired = await gw.request({ method: 'GET', url: '/api/v1/me', token });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('INVALID_TOKEN');
  });

  test('logout revokes the token and is logged', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const token = await gw.login('ana', 'ana-secret-1');
    const other = await gw.login('ana', 'ana-secret-1');
    expect((await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token })).statusCode).toBe(204);
    expect((await gw.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(401);
    expect((await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token })).statusCode).toBe(401);
    expect((await gw.request({ method: 'GET', url: '/api/v1/me', token: other })).statusCode).toBe(200);
    expect((await gw.store.events.list({ type: 'Logout' }, 0, 10)).total).toBe(1);
  });

  test('role changes apply to existing tokens at once', async () => {
    await openGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const token = await gw.login('ana', 'ana-secret-1');
    expect((await gw.request({ method: 'GET', url: '/api/v1/audit/events', token })).statusCode).toBe(200);
    await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Logs');
    const res = await gw.request({ method: 'GET', url: '/api/v1/audit/events', token });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('Missing permission PAM.SessionManagement.Logs');
  });
});

describe('password hashing', () => {
  test('scrypt with a per-user salt and stored parameters; constant-time verify', async () => {
    const a = await hashPassword('same password', FAST_SCRYPT);
    const b = await hashPassword('same password', FAST_SCRYPT);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same passworD', a)).toBe(false);
    expect(await verifyPassword('same password', 'garbage')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1$1$1$$')).toBe(false);
  });
});
