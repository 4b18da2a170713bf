import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import SessionsTable from '../../src/renderer/src/components/sessions/SessionsTable.vue';
import { useSessionsStore } from '../../src/renderer/src/stores/sessions';
import type { Me } from '../../src/shared/api';
import { fail, ok } from '../../src/shared/result';
import { click, closeApp, freshAppStart, mountApp, rowIds, signIn, typeInto } from './support/app';
import { lastListQuery, type FakeGateway } from './support/fakeGateway';
import { authState, makeSession, PIN_A, PIN_B } from './support/fixtures';
import { byTestId, mountInApp, requireTestId, settle, waitFor } from './support/mount';

const operatorMe: Me = { id: 5, login: 'otto', name: 'Otto Operator', roles: ['Operator'], permissions: [] };

describe('what a new auditor meets in the app', { timeout: 30_000 }, () => {
  let fake: FakeGateway;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fake = freshAppStart();
  });
  afterEach(() => {
    wrapper = closeApp(wrapper);
    vi.useRealTimers();
  });

  it('an Operator is told the account has no access to auditing, and can log out', async () => {
    fake.handlers['auth:login'] = (input) =>
      ok({ ...authState, profileId: input.profileId, user: operatorMe });
    fake.handlers['sessions:list'] = () => fail('FORBIDDEN', 'Only audit roles may list sessions');
    ({ wrapper } = await mountApp());
    await signIn('otto');
    expect(requireTestId('no-audit-access').textContent).toContain('This account has no access to auditing');
    expect(requireTestId('no-audit-access').textContent).toContain('Operator');
    expect(byTestId('sessions-screen')).toBeNull();
    expect(byTestId('sessions-error')).toBeNull();
    expect(fake.argsOf('sessions:list')).toEqual([]);

    await click('logout');
    expect(fake.argsOf('auth:logout')).toHaveLength(1);
    expect(byTestId('login-screen')).not.toBeNull();
  });

  it('says a wrong password once, without repeating it as a detail', async () => {
    ({ wrapper } = await mountApp());
    await signIn('ana', 'wrong');
    expect(requireTestId('login-error').textContent?.trim()).toBe('Wrong username or password.');
  });

  it('starts the next user on the default page size', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    await useSessionsStore().setPageSize(10);
    expect(lastListQuery(fake)).toEqual({ page: 1, pageSize: 10 });
    await click('logout');
    await signIn('bruno');
    expect(lastListQuery(fake)).toEqual({ page: 1, pageSize: 30 });
  });

  it('Print lists every row the filters match, not only the page on screen', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    expect(rowIds()).toHaveLength(30);
    let printed: number[] = [];
    // happy-dom has no print dialog: this one notes what would be on paper.
    window.print = () => {
      printed = rowIds();
    };
    await click('print');
    await waitFor(() => printed.length > 0, 'the print dialog');
    expect(printed).toHaveLength(75);
    expect(printed).toEqual([...printed].sort((a, b) => b - a));
    await settle();
    expect(rowIds()).toHaveLength(30);
  });

  it('names how a finished session ended in the list: dropped, by whom', async () => {
    fake.sessions.splice(0, 1, {
      ...fake.sessions[0]!,
      status: 'finished',
      endReason: { kind: 'dropped', by: { id: 2, login: 'ana', name: 'Ana Auditor' } },
    });
    ({ wrapper } = await mountApp());
    await signIn();
    const id = fake.sessions[0]!.id;
    const row = requireTestId(`session-row-${id}`);
    expect(row.querySelector('[data-end-reason]')?.textContent?.trim()).toBe('Dropped');
    expect(requireTestId(`end-reason-${id}`).textContent).toContain('by Ana Auditor');
  });

  it('the drop dialog of the list names the session', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    const live = fake.sessions.find((s) => s.status === 'live' && s.allowedActions.includes('drop'))!;
    await click(`action-drop-${live.id}`);
    expect(requireTestId('drop-confirm-which').textContent?.trim()).toBe(
      `${live.user.login}@${live.device} · session #${live.id}`,
    );
  });
});

describe('where toasts appear', { timeout: 30_000 }, () => {
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    freshAppStart();
  });
  afterEach(() => {
    wrapper = closeApp(wrapper);
  });

  // The header's buttons (Log out, theme, language) sit at the top right: a toast there would hide them.
  it('in the bottom-right corner, clear of the header buttons', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    expect(requireTestId('logout').closest('header.app-header')).not.toBeNull();
    await click('export-csv');
    const container = requireTestId('export-done').closest<HTMLElement>('.n-message-container');
    expect(container).not.toBeNull();
    expect(container!.classList).toContain('n-message-container--bottom-right');
    const place = getComputedStyle(container!);
    expect(place.position).toBe('fixed');
    expect(place.bottom).toMatch(/^\d+px$/);
    expect(place.right).toMatch(/^\d+px$/);
    expect(place.top).not.toMatch(/px$/);
  });
});

describe('trusting a gateway certificate', { timeout: 30_000 }, () => {
  let fake: FakeGateway;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fake = freshAppStart();
  });
  afterEach(() => {
    wrapper = closeApp(wrapper);
  });

  it('the first connection shows the fingerprint and signs in only once the user trusts it', async () => {
    fake.profiles[0] = { ...fake.profiles[0]!, fingerprint: null };
    const signIn = fake.handlers['auth:login']!;
    fake.handlers['auth:login'] = (input) =>
      fake.profiles[0]!.fingerprint === null
        ? fail(
            'CERTIFICATE_NOT_TRUSTED',
            `The gateway's TLS certificate is not trusted yet (SHA-256 ${PIN_B}).`,
          )
        : signIn(input);
    fake.handlers['profiles:trustCertificate'] = ({ profileId, fingerprint }) => {
      fake.profiles[0] = { ...fake.profiles[0]!, id: profileId, fingerprint };
      return ok(fake.profiles[0]);
    };
    ({ wrapper } = await mountApp());
    await typeInto('login-username', 'ana');
    await typeInto('login-password', 'secret');
    await click('login-submit');
    expect(requireTestId('cert-trust-fingerprint').textContent).toBe(PIN_B);
    expect(byTestId('login-error')).toBeNull();
    expect(byTestId('sessions-screen')).toBeNull();

    await click('cert-trust');
    expect(fake.argsOf('profiles:trustCertificate')).toEqual([[{ profileId: 'p1', fingerprint: PIN_B }]]);
    expect(fake.argsOf('auth:login')).toHaveLength(2);
    expect(byTestId('sessions-screen')).not.toBeNull();
  });

  it('declining the first certificate trusts nothing and stays on the login', async () => {
    fake.profiles[0] = { ...fake.profiles[0]!, fingerprint: null };
    fake.handlers['auth:login'] = () =>
      fail('CERTIFICATE_NOT_TRUSTED', `The gateway's TLS certificate is not trusted yet (SHA-256 ${PIN_B}).`);
    ({ wrapper } = await mountApp());
    await typeInto('login-username', 'ana');
    await typeInto('login-password', 'secret');
    await click('login-submit');
    await click('cert-trust-cancel');
    await waitFor(() => byTestId('cert-trust-dialog') === null, 'the question to close');
    expect(fake.argsOf('profiles:trustCertificate')).toEqual([]);
    expect(byTestId('login-screen')).not.toBeNull();
  });

  it('a closed certificate alarm stays closed, and the login page does not call the certificate pinned', async () => {
    const alarm = { profileId: 'p1', expected: PIN_A, actual: PIN_B };
    fake.handlers['auth:login'] = () => {
      fake.emit('cert:alarm', alarm);
      return fail('CERTIFICATE_CHANGED', 'The gateway presented a different TLS certificate');
    };
    ({ wrapper } = await mountApp());
    await typeInto('login-username', 'ana');
    await typeInto('login-password', 'secret');
    await click('login-submit');
    expect(byTestId('cert-alarm')).not.toBeNull();
    await click('cert-alarm-close');
    await waitFor(() => byTestId('cert-alarm') === null, 'the alarm to close');

    // Main repeats the alarm for every blocked connection (e.g. revoking the old token).
    fake.emit('cert:alarm', alarm);
    await settle();
    expect(byTestId('cert-alarm')).toBeNull();
    expect(requireTestId('profile-meta').textContent).not.toContain('Certificate pinned');
    expect(requireTestId('profile-cert-mismatch').textContent).toContain('Certificate does not match');
  });
});

describe('a live row in the list', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    vi.useRealTimers();
  });

  it('shows its running time ticking every second', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const start = Date.parse('2026-03-01T10:00:00Z');
    vi.setSystemTime(start + 65_000);
    const live = makeSession(3, { status: 'live', startedAt: new Date(start).toISOString() });
    const { wrapper } = mountInApp(SessionsTable, { sessions: [live], loading: false });
    await settle();
    const running = () => requireTestId('running-duration').textContent?.replace(/\s+/g, ' ').trim();
    expect(running()).toBe('1 min 05 s running');
    vi.advanceTimersByTime(3_000);
    await settle();
    expect(running()).toBe('1 min 08 s running');
    wrapper.unmount();
  });
});
