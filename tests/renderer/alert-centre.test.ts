import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import AlertBell from '../../src/renderer/src/components/alerts/AlertBell.vue';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import { useAlertsStore } from '../../src/renderer/src/stores/alerts';
import { fakeAlertCentre, makeAlert } from './support/alerts';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState } from './support/fixtures';
import { byTestId, mountInApp, requireTestId, settle, waitFor } from './support/mount';

describe('the alert bell and alert centre', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;

  const shownIds = () =>
    [...document.querySelectorAll('[data-testid="alert-item"]')].map((n) => n.getAttribute('data-alert-id'));

  beforeEach(async () => {
    fake = installFakeVigil(
      fakeAlertCentre([
        { alert: makeAlert(3, { late: true }), read: false },
        {
          alert: makeAlert(2, { kind: 'sessionDropped', rule: null, command: null, actor: 'bob' }),
          read: false,
        },
        {
          alert: makeAlert(1, { rule: { name: 'ls', score: 1, criticality: 'low', action: 'allow' } }),
          read: true,
        },
      ]).handlers,
    );
    wrapper = mountInApp(AlertBell).wrapper;
    Object.assign(useAuthStore(), { state: authState, phase: 'signedIn' });
    await settle();
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  it('shows the unread count on the bell and follows pushed alerts', async () => {
    expect(requireTestId('alerts-unread').textContent).toBe('2');
    fake.emit('alerts:alert', { entry: { alert: makeAlert(4), read: false }, unread: 3, notification: null });
    await settle();
    expect(requireTestId('alerts-unread').textContent).toBe('3');
  });

  it('lists alerts newest first, marks the late ones, and filters by kind and unread', async () => {
    requireTestId('alerts-bell').click();
    await waitFor(() => byTestId('alert-centre') !== null, 'the alert centre');
    expect(shownIds()).toEqual(['3', '2', '1']);
    expect(document.querySelector('[data-alert-id="3"]')?.getAttribute('data-late')).toBe('true');
    expect(
      document.querySelector('[data-alert-id="3"] [data-testid="alert-late"]')?.textContent?.trim(),
    ).toBe('Late');
    const alerts = useAlertsStore();
    alerts.filter.kind = 'sessionDropped';
    await settle();
    expect(shownIds()).toEqual(['2']);
    alerts.filter.kind = null;
    alerts.filter.unreadOnly = true;
    await settle();
    expect(shownIds()).toEqual(['3', '2']);
  });

  it('marks one alert read, then all of them', async () => {
    requireTestId('alerts-bell').click();
    await waitFor(() => byTestId('alert-centre') !== null, 'the alert centre');
    (document.querySelector('[data-alert-id="2"] [data-testid="alert-mark-read"]') as HTMLElement).click();
    await settle();
    expect(fake.argsOf('alerts:markRead')).toEqual([[[2]]]);
    expect(requireTestId('alerts-unread').textContent).toBe('1');
    requireTestId('alerts-mark-all').click();
    await settle();
    expect(fake.argsOf('alerts:markRead')).toEqual([[[2]], [null]]);
    expect(byTestId('alerts-unread')).toBeNull();
  });

  it('saves the preferences edited in the panel', async () => {
    useAlertsStore().preferencesOpen = true;
    await waitFor(() => byTestId('alert-pref-save') !== null, 'the preferences panel');
    requireTestId('alert-pref-quiet').click();
    await settle();
    requireTestId('alert-pref-save').click();
    await settle();
    expect(fake.argsOf('alerts:setPreferences').at(-1)?.[0]).toMatchObject({
      quietHours: { from: '22:00', to: '07:00' },
      locale: 'en',
    });
  });
});
