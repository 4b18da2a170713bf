import type { Component } from 'vue';
import { useAuthStore } from '../../../src/renderer/src/stores/auth';
import type { AuthState } from '../../../src/shared/ipc';
import { authState } from './fixtures';
import { mountInApp } from './mount';

/** Mounts a Live Stream / Blocked users component the way the app does, signed in as `state`. */
export function mountLive(
  component: Component,
  props: Record<string, unknown> = {},
  options: { locale?: 'en' | 'pt-BR'; state?: AuthState } = {},
) {
  const mounted = mountInApp(component, props, options.locale ?? 'en');
  const auth = useAuthStore(mounted.pinia);
  auth.state = options.state ?? authState;
  auth.phase = 'signedIn';
  return mounted;
}

export const base64 = (text: string | Uint8Array): string =>
  btoa(String.fromCharCode(...(typeof text === 'string' ? new TextEncoder().encode(text) : text)));
