import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { PREFERENCES_KEY } from '../../src/renderer/src/stores/preferences';
import { fail, ok } from '../../src/shared/result';
import { click, closeApp, freshAppStart, mountApp, rowIds, signIn, typeInto } from './support/app';
import { lastListQuery, type FakeGateway } from './support/fakeGateway';
import { PIN_A, PIN_B } from './support/fixtures';
import { logsHandlers, makeLogsFixture } from './support/sessionLogs';
import { makePlayerFixture, playerHandlers } from './support/player';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';
import { chooseOption } from './support/naive';

const text = () => document.body.textContent ?? '';
const inputValue = (testId: string) => (requireTestId(testId) as HTMLInputElement).value;

// Whole-app flows take a few seconds under happy-dom; the CI machines are shared.
describe('the renderer as a whole', { timeout: 30_000 }, () => {
  let fake: FakeGateway;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fake = freshAppStart();
  });
  afterEach(() => {
    wrapper = closeApp(wrapper);
  });

  it('tries to resume, shows the login, refuses a wrong password clearly, then lists sessions newest first', async () => {
    ({ wrapper } = await mountApp());
    expect(fake.argsOf('auth:resume')).toEqual([['p1']]);
    expect(byTestId('login-screen')).not.toBeNull();
    expect(inputValue('login-username')).toBe('ana'); // the profile's last login

    await signIn('ana', 'wrong');
    expect(requireTestId('login-error').textContent).toContain('Wrong username or password.');
    expect(byTestId('sessions-table')).toBeNull();

    await signIn();
    expect(byTestId('login-screen')).toBeNull();
    expect(lastListQuery(fake)).toEqual({ page: 1, pageSize: 30 });
    const ids = rowIds();
    expect(ids).toHaveLength(30);
    expect(ids[0]).toBe(75);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(requireTestId('header-user').textContent).toContain('Ana Auditor');
    expect(requireTestId('sessions-total').textContent).toContain('75 sessions');
  });

  it('filters by user and by protocol through a SessionQuery, and Reset clears them', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    await typeInto('filter-user', ' ops.bob ');
    await chooseOption(requireTestId('filter-protocol'), 'SSH');
    await click('filter-apply');
    expect(lastListQuery(fake)).toEqual({ user: 'ops.bob', protocol: 'ssh', page: 1, pageSize: 30 });
    const shown = fake.sessions.filter((s) => rowIds().includes(s.id));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((s) => s.user.login === 'ops.bob' && s.protocol === 'ssh')).toBe(true);

    await click('filter-reset');
    expect(lastListQuery(fake)).toEqual({ page: 1, pageSize: 30 });
    expect(inputValue('filter-user')).toBe('');
  });

  it('pages through on the server', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    const pageTwo = [...requireTestId('pagination').querySelectorAll<HTMLElement>('.n-pagination-item')].find(
      (item) => item.textContent?.trim() === '2',
    );
    pageTwo?.click();
    await settle(6);
    expect(lastListQuery(fake)).toEqual({ page: 2, pageSize: 30 });
    expect(rowIds()[0]).toBe(45);
  });

  it('when the token expires, shows login over the screen and keeps filters, page and the open dialog', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    await typeInto('filter-user', 'ops.alice');
    await click('filter-apply');
    const sessionId = rowIds()[0]!;
    await click(`action-preventPurge-${sessionId}`);
    await typeInto('prevent-purge-justification', 'Keep for the audit of March');

    fake.emit('auth:expired', { profileId: 'p1' });
    await settle();
    expect(byTestId('relogin-modal')).not.toBeNull();
    expect(byTestId('login-screen')).toBeNull(); // the screen underneath is not replaced
    expect(byTestId('sessions-screen')).not.toBeNull();

    const listsBefore = fake.argsOf('sessions:list').length;
    await typeInto('login-password', 'secret');
    await click('login-submit');
    await waitFor(() => byTestId('relogin-modal') === null, 'the login modal to close');
    expect(inputValue('filter-user')).toBe('ops.alice');
    expect(inputValue('prevent-purge-justification')).toBe('Keep for the audit of March');
    // Refreshed with the same filters once signed in again.
    expect(fake.argsOf('sessions:list').length).toBeGreaterThan(listsBefore);
    expect(lastListQuery(fake)).toEqual({ user: 'ops.alice', page: 1, pageSize: 30 });
  });

  it('a call that meets an expired token is retried after signing in again', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    fake.expireNextList();
    await click('sessions-refresh');
    expect(byTestId('relogin-modal')).not.toBeNull();
    expect(rowIds()).toHaveLength(30); // what was shown stays shown
    await typeInto('login-password', 'secret');
    await click('login-submit');
    await waitFor(() => byTestId('relogin-modal') === null, 'the login modal to close');
    expect(byTestId('sessions-error')).toBeNull();
    expect(rowIds()).toHaveLength(30);
  });

  it('switching the language changes the visible text at once, and is remembered', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    expect(text()).toContain('Remote sessions');
    expect(text()).toContain('Session hash');
    await click('locale-switch');
    expect(text()).toContain('Sessões remotas');
    expect(text()).toContain('Hash da sessão');
    expect(text()).toContain('Aplicar');
    expect(text()).not.toContain('Remote sessions');
    expect(document.documentElement.lang).toBe('pt-BR');
    expect(JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? '{}').locale).toBe('pt-BR');
  });

  it('the theme toggle switches naive-ui and the document between light and dark', async () => {
    ({ wrapper } = await mountApp());
    expect(document.documentElement.dataset.theme).toBe('light');
    await click('theme-toggle');
    expect(document.documentElement.dataset.theme).toBe('dark');
    await click('theme-system');
    expect(JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? '{}').theme).toBe('system');
  });

  it('Live Stream opens the viewer; Video opens the Video of session screen; Prevent Purge opens its dialog', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    const live = fake.sessions.find((s) => s.status === 'live' && rowIds().includes(s.id))!;
    const finished = fake.sessions.find((s) => s.status === 'finished' && rowIds().includes(s.id))!;
    await click(`action-liveStream-${live.id}`);
    await settle();
    expect(fake.argsOf('live:open')).toEqual([[live.id]]);
    expect(byTestId('live-viewer')).not.toBeNull();
    Object.assign(fake.handlers, playerHandlers(makePlayerFixture(finished.id)));
    await click(`action-video-${finished.id}`);
    expect(fake.argsOf('downloads:start')).toEqual([[finished.id]]);
    expect(requireTestId('video-title').textContent).toContain(`#${finished.id}`);
    await click('video-back');
    expect(byTestId('video-screen')).toBeNull();
    expect(byTestId('prevent-purge-dialog')).toBeNull();
    await click(`action-preventPurge-${finished.id}`);
    expect(byTestId('prevent-purge-dialog')).not.toBeNull();
  });

  it('Logs opens the Session Logs screen; Back returns to the list as it was', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    await typeInto('filter-user', 'ops.bob');
    await click('filter-apply');
    const finished = fake.sessions.find((s) => s.status === 'finished' && rowIds().includes(s.id))!;
    Object.assign(fake.handlers, logsHandlers(makeLogsFixture(finished.id)));
    await click(`action-logs-${finished.id}`);
    expect(fake.argsOf('logs:get')).toEqual([[finished.id]]);
    expect(requireTestId('logs-title').textContent).toContain(`#${finished.id}`);
    expect(requireTestId('sessions-screen').style.display).toBe('none');
    expect(requireTestId('nav-sessions').getAttribute('aria-current')).toBe('page');

    const listsBefore = fake.argsOf('sessions:list').length;
    await click('logs-back');
    expect(byTestId('session-logs-screen')).toBeNull();
    expect(requireTestId('sessions-screen').style.display).toBe('');
    expect(inputValue('filter-user')).toBe('ops.bob');
    expect(rowIds()).toContain(finished.id);
    expect(fake.argsOf('sessions:list')).toHaveLength(listsBefore); // kept, not reloaded
  });

  it('exports the filtered list as CSV and says where it went', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    await chooseOption(requireTestId('filter-status'), 'Live');
    await click('filter-apply');
    await click('export-csv');
    expect(fake.argsOf('sessions:exportCsv')).toEqual([[{ status: 'live' }]]);
    expect(requireTestId('export-done').textContent).toContain('/home/ana/Downloads/sessions.csv');
  });

  it('raises the certificate alarm, does not sign in, and forgets the pin only after a warned confirmation', async () => {
    fake.handlers['auth:login'] = () => {
      fake.emit('cert:alarm', { profileId: 'p1', expected: PIN_A, actual: PIN_B });
      return fail('CERTIFICATE_CHANGED', 'The gateway presented a different TLS certificate');
    };
    fake.handlers['profiles:forgetCertificate'] = (id) => ok({ ...fake.profiles[0]!, id, fingerprint: null });
    ({ wrapper } = await mountApp());
    await signIn();
    expect(requireTestId('cert-alarm').textContent).toContain('The gateway certificate changed');
    expect(requireTestId('cert-expected').textContent).toBe(PIN_A);
    expect(requireTestId('cert-actual').textContent).toBe(PIN_B);
    expect(byTestId('sessions-table')).toBeNull();

    await click('cert-forget');
    expect(requireTestId('cert-forget-panel').textContent).toContain('Only do this when your administrator');
    expect((requireTestId('cert-forget-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect(fake.argsOf('profiles:forgetCertificate')).toEqual([]);
    await click('cert-forget-ack');
    await click('cert-forget-confirm');
    expect(fake.argsOf('profiles:forgetCertificate')).toEqual([['p1']]);
    await waitFor(() => byTestId('cert-alarm') === null, 'the alarm to close');
    expect(byTestId('login-screen')).not.toBeNull();
  });

  it('on first run asks for a gateway, insists on https, then offers the login', async () => {
    fake.profiles.length = 0;
    ({ wrapper } = await mountApp());
    expect(fake.argsOf('auth:resume')).toEqual([]);
    await typeInto('profile-name', 'Lab');
    await typeInto('profile-url', 'http://127.0.0.1:8443');
    await click('profile-save');
    expect(text()).toContain('The address must start with https://');
    expect(fake.argsOf('profiles:save')).toEqual([]);
    await typeInto('profile-url', 'https://127.0.0.1:8443');
    await click('profile-save');
    expect(fake.argsOf('profiles:save')).toEqual([[{ name: 'Lab', url: 'https://127.0.0.1:8443' }]]);
    expect(byTestId('login-submit')).not.toBeNull();
  });
});
