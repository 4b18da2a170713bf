import { onMounted, onUnmounted, watchEffect } from 'vue';
import { useI18n } from 'vue-i18n';
import { usePreferencesStore } from '../stores/preferences';

/**
 * Mirrors the preferences onto the page: vue-i18n's language, and `data-theme`/`lang` on <html>
 * so plain CSS (and tests, and print) can follow the theme without asking naive-ui.
 */
export function useDocumentPreferences(): void {
  const preferences = usePreferencesStore();
  const { locale } = useI18n({ useScope: 'global' });
  watchEffect(() => {
    locale.value = preferences.locale;
    document.documentElement.lang = preferences.locale;
    document.documentElement.dataset.theme = preferences.effectiveTheme;
  });

  // Ctrl+P prints too, not only the Print button: both get the light theme on paper.
  const beforePrint = () => (preferences.printing = true);
  const afterPrint = () => (preferences.printing = false);
  onMounted(() => {
    window.addEventListener('beforeprint', beforePrint);
    window.addEventListener('afterprint', afterPrint);
  });
  onUnmounted(() => {
    window.removeEventListener('beforeprint', beforePrint);
    window.removeEventListener('afterprint', afterPrint);
  });
}
