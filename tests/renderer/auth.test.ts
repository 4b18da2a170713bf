import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../../src/renderer/src/api';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import { usePreferencesStore } from '../../src/renderer/src/stores/preferences';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState, makeSession, PIN_A, PIN_B, profile } from './support/fixtures';
import { freshPinia, settle } from './support/mount';

const second = { ...profile, id: 'p2', name: 'Staging', fingerprint: null, lastLogin: null };

describe('auth store', () => {
  let fake: FakeVigil;

  beforeEach(() => {
    localStorage.clear();
    freshPinia();
    fake = installFakeVigil({
      'profiles:list': () => ok([profile, second]),
      'auth:state': () => ok(null),
      'auth:resume': () => ok(null),
      'auth:login': (input) => ok({ ...authState, profileId: input.profileId }),
      'auth:logout': () => ok(null),
    });
  });

  it('resumes the last used gateway at start', async () => {
    usePreferencesStore().lastProfileId = 'p2';
    fake.handlers['auth:resume'] = (id) => ok({ ...authState, profileId: id });
    const auth = useAuthStore();
    await auth.start();
    expect(fake.argsOf('auth:resume')).toEqual([['p2']]);
    expect(auth.phase).toBe('signedIn');
    expect(auth.profile?.name).toBe('Staging');
  });

  it('shows the login when nothing can be resumed', async () => {
    const auth = useAuthStore();
    await auth.start();
    expect(fake.argsOf('auth:resume')).toEqual([['p1']]);
    expect(auth.phase).toBe('signedOut');
  });

  it('continues where main already is (a reloaded window) without resuming', async () => {
    fake.handlers['auth:state'] = () => ok(authState);
    const auth = useAuthStore();
    await auth.start();
    expect(auth.phase).toBe('signedIn');
    expect(fake.argsOf('auth:resume')).toEqual([]);
  });

  it('parks a call whose token expired behind the login and retries it after signing in again', async () => {
    const auth = useAuthStore();
    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    let answers = 0;
    fake.handlers['sessions:get'] = (id) =>
      ++answers === 1 ? fail('TOKEN_EXPIRED', 'expired') : ok(makeSession(id));

    const pending = auth.run(() => api.getSession(5));
    await settle();
    expect(auth.expired).toBe(true);
    expect(auth.phase).toBe('signedIn');

    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: true });
    const result = await pending;
    expect(result.ok && result.value.id).toBe(5);
    expect(auth.expired).toBe(false);
    expect(answers).toBe(2);
  });

  it('gives up a parked call with its original error when the user logs out instead', async () => {
    const auth = useAuthStore();
    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    fake.handlers['users:list'] = () => fail('UNAUTHORIZED', 'token revoked');
    const pending = auth.run(() => api.listUsers());
    await settle();
    await auth.logout();
    const result = await pending;
    expect(result.ok ? null : result.error.code).toBe('UNAUTHORIZED');
    expect(fake.argsOf('users:list')).toHaveLength(1);
    expect(auth.phase).toBe('signedOut');
  });

  it('shows the login modal when main says the token expired', async () => {
    const auth = useAuthStore();
    auth.markExpired();
    expect(auth.expired).toBe(false); // nothing to expire while signed out
    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    auth.markExpired('p2');
    expect(auth.expired).toBe(false); // another gateway's token is not ours
    auth.markExpired('p1');
    expect(auth.expired).toBe(true);
  });

  it('raises the certificate alarm from a CERTIFICATE_CHANGED login and does not continue', async () => {
    fake.handlers['auth:login'] = () =>
      fail(
        'CERTIFICATE_CHANGED',
        `The gateway presented a different TLS certificate (expected ${PIN_A}, got ${PIN_B}).`,
      );
    const auth = useAuthStore();
    await auth.start();
    const result = await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    expect(result.ok).toBe(false);
    expect(auth.phase).toBe('signedOut');
    expect(auth.certAlarm).toEqual({ profileId: 'p1', expected: PIN_A, actual: PIN_B });
  });

  it('never retries a call blocked by a changed certificate', async () => {
    const auth = useAuthStore();
    await auth.start();
    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    fake.handlers['sessions:get'] = () => fail('CERTIFICATE_CHANGED', 'changed');
    const result = await auth.run(() => api.getSession(1));
    expect(result.ok).toBe(false);
    expect(fake.argsOf('sessions:get')).toHaveLength(1);
    expect(auth.certAlarm?.expected).toBe(PIN_A); // the pinned one, since the message named none
  });

  it('forgets the pinned certificate only through profiles:forgetCertificate, then asks for a new sign-in', async () => {
    fake.handlers['profiles:forgetCertificate'] = (id) => ok({ ...profile, id, fingerprint: null });
    const auth = useAuthStore();
    await auth.start();
    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    auth.raiseCertAlarm({ profileId: 'p1', expected: PIN_A, actual: PIN_B });
    const result = await auth.forgetCertificate();
    expect(result?.ok).toBe(true);
    expect(fake.argsOf('profiles:forgetCertificate')).toEqual([['p1']]);
    expect(auth.certAlarm).toBeNull();
    expect(auth.phase).toBe('signedOut');
  });

  it('closing the alarm while signed in goes back to the login screen', async () => {
    const auth = useAuthStore();
    await auth.login({ profileId: 'p1', username: 'ana', password: 'pw', remember: false });
    auth.raiseCertAlarm({ profileId: 'p1', expected: PIN_A, actual: PIN_B });
    await auth.dismissCertAlarm();
    expect(auth.phase).toBe('signedOut');
    expect(fake.argsOf('auth:logout')).toHaveLength(1);
  });

  it('turns a transport that throws into a NETWORK result', async () => {
    window.vigil = {
      invoke: () => Promise.reject(new Error('socket closed')),
      on: () => () => undefined,
      filePath: () => Promise.reject(new Error('socket closed')),
    };
    const auth = useAuthStore();
    const result = await auth.login({ profileId: 'p1', username: 'a', password: 'b', remember: false });
    expect(result).toEqual({ ok: false, error: { code: 'NETWORK', message: 'socket closed' } });
  });
});
