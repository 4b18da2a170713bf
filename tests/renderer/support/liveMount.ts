import { defineComponent, h, type Component } from 'vue';
import { mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import { NConfigProvider, NDialogProvider, NMessageProvider } from 'naive-ui';
import en from '../../../src/renderer/src/i18n/en';
import ptBR from '../../../src/renderer/src/i18n/pt-BR';
import liveEn from '../../../src/renderer/src/i18n/live.en';
import livePtBR from '../../../src/renderer/src/i18n/live.pt-BR';
import { useAuthStore } from '../../../src/renderer/src/stores/auth';
import type { AuthState } from '../../../src/shared/ipc';
import { authState } from './fixtures';
import { REAL_TRANSITIONS, freshPinia } from './mount';

/**
 * Mounts a Live Stream / Blocked users component with the app's messages plus live.en/live.pt-BR
 * merged in (as i18n/en.ts and pt-BR.ts do once they import them), signed in as `state`.
 */
export function mountLive(
  component: Component,
  props: Record<string, unknown> = {},
  options: { locale?: 'en' | 'pt-BR'; state?: AuthState } = {},
) {
  const pinia = freshPinia();
  const i18n = createI18n({
    legacy: false,
    locale: options.locale ?? 'en',
    fallbackLocale: 'en',
    messages: { en: { ...en, ...liveEn }, 'pt-BR': { ...ptBR, ...livePtBR } },
  });
  const auth = useAuthStore(pinia);
  auth.state = options.state ?? authState;
  auth.phase = 'signedIn';
  const Host = defineComponent({
    setup: () => () =>
      h(NConfigProvider, null, () =>
        h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(component, props))),
      ),
  });
  const wrapper = mount(Host, {
    global: { plugins: [pinia, i18n], stubs: REAL_TRANSITIONS },
    attachTo: document.body,
  });
  return { wrapper, pinia, i18n };
}

export const base64 = (text: string | Uint8Array): string =>
  btoa(String.fromCharCode(...(typeof text === 'string' ? new TextEncoder().encode(text) : text)));
