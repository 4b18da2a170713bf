import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { ensureTransport } from './api';
import { createAppI18n } from './i18n';
import { usePreferencesStore } from './stores/preferences';
import './styles/base.css';
import './styles/print.css';

function mount(): void {
  const app = createApp(App);
  const pinia = createPinia();
  app.use(pinia);
  // The saved language is known before the first render, so nothing flashes in the wrong one.
  app.use(createAppI18n(usePreferencesStore(pinia).locale));
  app.mount('#app');
}

const loadBridge = async () => (await import('./bridge/transport')).createBridgeApi();

ensureTransport(loadBridge).then(mount, (error: unknown) => {
  // Before the app exists there is no screen to show it on: say why in the page itself.
  const root = document.getElementById('app');
  if (root) root.textContent = error instanceof Error ? error.message : String(error);
});
