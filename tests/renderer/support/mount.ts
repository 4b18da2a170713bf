import { defineComponent, h, type Component } from 'vue';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { NConfigProvider, NDialogProvider, NMessageProvider } from 'naive-ui';
import { createAppI18n } from '../../../src/renderer/src/i18n';
import type { AppLocale } from '../../../src/renderer/src/stores/preferences';

/**
 * @vue/test-utils stubs <Transition> by default; naive-ui's modals then never finish leaving
 * (they wait for after-leave). Real transitions run fine under happy-dom.
 */
export const REAL_TRANSITIONS = { transition: false, 'transition-group': false };

export function freshPinia(): Pinia {
  const pinia = createPinia();
  setActivePinia(pinia);
  return pinia;
}

/** Mounts a component the way the app does: Pinia, vue-i18n and naive-ui's providers around it. */
export function mountInApp(
  component: Component,
  props: Record<string, unknown> = {},
  locale: AppLocale = 'en',
) {
  const pinia = freshPinia();
  const i18n = createAppI18n(locale);
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

/** Lets promise chains (fake IPC answers, store updates) and Vue's re-render finish. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

export const byTestId = (id: string): HTMLElement | null => document.querySelector(`[data-testid="${id}"]`);

export function requireTestId(id: string): HTMLElement {
  const element = byTestId(id);
  if (!element) throw new Error(`No element with data-testid="${id}" in the document`);
  return element;
}

/** naive-ui's leave transitions end on a timer: the renderer suites poll with the shared helper. */
export { waitFor } from '../../support/wait';
