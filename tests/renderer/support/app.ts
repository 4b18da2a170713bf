import { mount, type VueWrapper } from '@vue/test-utils';
import App from '../../../src/renderer/src/App.vue';
import { createAppI18n } from '../../../src/renderer/src/i18n';
import { PREFERENCES_KEY, usePreferencesStore } from '../../../src/renderer/src/stores/preferences';
import { installFakeGateway, type FakeGateway } from './fakeGateway';
import { freshPinia, REAL_TRANSITIONS, settle } from './mount';

/** Mounts the whole renderer as main.ts does (against whatever fake window.vigil is installed). */
export async function mountApp() {
  const pinia = freshPinia();
  const i18n = createAppI18n(usePreferencesStore(pinia).locale);
  const wrapper = mount(App, {
    global: { plugins: [pinia, i18n], stubs: REAL_TRANSITIONS },
    attachTo: document.body,
  });
  await settle(8);
  return { wrapper, pinia, i18n };
}

export async function typeInto(testId: string, value: string): Promise<void> {
  const input = document.querySelector<HTMLInputElement>(`[data-testid="${testId}"]`);
  if (!input) throw new Error(`No input with data-testid="${testId}"`);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await settle(1);
}

export async function click(testId: string): Promise<void> {
  const element = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`No element with data-testid="${testId}"`);
  element.click();
  await settle(6);
}

export const rowIds = (): number[] =>
  [...document.querySelectorAll<HTMLElement>('[data-testid^="session-row-"]')].map((row) =>
    Number(row.dataset.testid?.replace('session-row-', '')),
  );

/** A first start of the app: light theme, English, the fake gateway's profile chosen last time. */
export function freshAppStart(): FakeGateway {
  localStorage.clear();
  localStorage.setItem(
    PREFERENCES_KEY,
    JSON.stringify({ theme: 'light', locale: 'en', lastProfileId: 'p1' }),
  );
  return installFakeGateway();
}

/** Unmounts what a test mounted and clears the page; returns the empty wrapper slot. */
export function closeApp(wrapper: VueWrapper | null): null {
  wrapper?.unmount();
  document.body.innerHTML = '';
  return null;
}

export async function signIn(username = 'ana', password = 'secret'): Promise<void> {
  await typeInto('login-username', username);
  await typeInto('login-password', password);
  await click('login-submit');
}
