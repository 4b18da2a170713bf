import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppI18n } from './i18n';
import { usePreferencesStore } from './stores/preferences';
import './styles/base.css';
import './styles/print.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
// The saved language is known before the first render, so nothing flashes in the wrong one.
app.use(createAppI18n(usePreferencesStore(pinia).locale));
app.mount('#app');
