import { afterEach, describe, expect, test } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/gateway/crypto/passwords';
import { hashToken } from '../../src/gateway/crypto/tokens';
import { createTestGateway, FAST_SCRYPT, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let now = Date.parse('2025-06-01T12:00:00Z');
const clock = () => now;

afterEach(async () => {
  await gw?.close();
});

const login = (username: string, password: string) =>
  gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

describe('login', () => {
  test('returns a token, its expiry (8 h) and the user with roles and permissions', async () => {
    gw = await createTestGateway({ clock });
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
    const stored = gw.store.db.prepare('SELECT token_hash FROM tokens').pluck().all();
    expect(stored).toEqual([hashToken(body.token)]);
    expect(JSON.stringify(gw.store.db.prepare('SELECT * FROM tokens').all())).not.toContain(body.token);
    const me = await gw.request({ method: 'GET', url: '/api/v1/me', token: body.token });
    expect(me.json()).toEqual(body.user);
    // Logins are case-insensitive.
    expect((await login('ANA', 'ana-secret-1')).statusCode).toBe(200);
  });

  test('wrong password and unknown user get the same answer and leave Login failed events', async () => {
    gw = await createTestGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const wrong = await login('ana', 'nope-nope');
    const unknown = await login('ghost', 'nope-nope');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toEqual({
      error: { code: 'INVALID_CREDENTIALS', message: 'Invalid username or password' },
    });
    const events = gw.store.events.list({ type: 'Login failed' }, 0, 10).items;
    expect(events.map((e) => e.note)).toEqual(['Login "ghost" failed', 'Login "ana" failed']);
    expect(events[1]!.actor?.login).toBe('ana');
    expect(events[0]!.actor).toBeNull();
  });

  test('5 failures within 15 minutes lock the login for 15 minutes (429), unknown logins too', async () => {
    gw = await createTestGateway({ clock });
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
    expect(gw.store.events.list({ type: 'Login locked' }, 0, 10).total).toBe(2);
    now += 60_000 + 1;
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(200);

    for (let i = 0; i < 5; i++) await login('ghost', 'x-x-x-x');
    expect((await login('ghost', 'x-x-x-x')).statusCode).toBe(429);
  });

  test('failures spread over more than 15 minutes do not lock', async () => {
    gw = await createTestGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    for (let i = 0; i < 8; i++) {
      now += 4 * 60_000;
      expect((await login('ana', 'wrong')).statusCode).toBe(401);
    }
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(200);
  });

  test('a successful login resets the failure count', async () => {
    gw = await createTestGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    for (let i = 0; i < 4; i++) await login('ana', 'wrong');
    expect((await login('ana', 'ana-secret-1')).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login('ana', 'wrong')).statusCode).toBe(401);
  });
});

describe('tokens', () => {
  test('expire after the configured time', async () => {
    gw = await createTestGateway({ clock, identity: { tokenTtlMs: 60_000 } });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const token = (await login('ana', 'ana-secret-1')).json().token as string;
    expect((await gw.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(200);
    now += 60_000;
    const expired = await gw.request({ method: 'GET', url: '/api/v1/me', token });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('INVALID_TOKEN');
  });

  test('logout revokes the token and is logged', async () => {
    gw = await createTestGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const token = await gw.login('ana', 'ana-secret-1');
    const other = await gw.login('ana', 'ana-secret-1');
    expect((await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token })).statusCode).toBe(204);
    expect((await gw.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(401);
    expect((await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token })).statusCode).toBe(401);
    expect((await gw.request({ method: 'GET', url: '/api/v1/me', token: other })).statusCode).toBe(200);
    expect(gw.store.events.list({ type: 'Logout' }, 0, 10).total).toBe(1);
  });

  test('role changes apply to existing tokens at once', async () => {
    gw = await createTestGateway({ clock });
    await gw.addUser('ana', 'PAM Auditor', 'ana-secret-1');
    const token = await gw.login('ana', 'ana-secret-1');
    expect((await gw.request({ method: 'GET', url: '/api/v1/audit/events', token })).statusCode).toBe(200);
    gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Logs');
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
