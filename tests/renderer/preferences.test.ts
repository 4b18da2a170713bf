import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { PREFERENCES_KEY, usePreferencesStore } from '../../src/renderer/src/stores/preferences';
import { freshPinia } from './support/mount';

/** A controllable OS colour scheme: happy-dom's matchMedia cannot be switched from a test. */
function fakeColorScheme(dark: boolean) {
  const listeners = new Set<(event: { matches: boolean }) => void>();
  const query = {
    matches: dark,
    addEventListener: (_type: string, listener: (event: { matches: boolean }) => void) =>
      listeners.add(listener),
  };
  const original = window.matchMedia;
  window.matchMedia = ((text: string) => {
    if (text !== '(prefers-color-scheme: dark)') return original.call(window, text);
    return query as unknown as MediaQueryList;
  }) as typeof window.matchMedia;
  return {
    change(next: boolean) {
      query.matches = next;
      for (const listener of listeners) listener({ matches: next });
    },
    restore() {
      window.matchMedia = original;
    },
  };
}

describe('preferences store', () => {
  let scheme: ReturnType<typeof fakeColorScheme>;

  beforeEach(() => {
    localStorage.clear();
    scheme = fakeColorScheme(true);
    freshPinia();
  });
  afterEach(() => scheme.restore());

  it('follows the OS theme until the user picks one, and follows it live', () => {
    const prefs = usePreferencesStore();
    expect(prefs.theme).toBe('system');
    expect(prefs.effectiveTheme).toBe('dark');
    scheme.change(false);
    expect(prefs.effectiveTheme).toBe('light');
  });

  it('the toggle flips what is shown and stops following the OS until asked to again', () => {
    const prefs = usePreferencesStore();
    prefs.toggleTheme();
    expect(prefs.theme).toBe('light');
    scheme.change(true);
    expect(prefs.effectiveTheme).toBe('light');
    prefs.followSystem();
    expect(prefs.effectiveTheme).toBe('dark');
  });

  it('keeps theme, language and last gateway across restarts', async () => {
    const prefs = usePreferencesStore();
    prefs.toggleTheme();
    prefs.setLocale('pt-BR');
    prefs.lastProfileId = 'p9';
    await nextTick();
    freshPinia();
    const again = usePreferencesStore();
    expect([again.theme, again.locale, again.lastProfileId]).toEqual(['light', 'pt-BR', 'p9']);
  });

  it('ignores malformed saved values instead of failing to start', () => {
    localStorage.setItem(
      PREFERENCES_KEY,
      JSON.stringify({ theme: 'purple', locale: 'xx', lastProfileId: 3 }),
    );
    const prefs = usePreferencesStore();
    expect(prefs.theme).toBe('system');
    expect(['en', 'pt-BR']).toContain(prefs.locale);
    expect(prefs.lastProfileId).toBeNull();
    localStorage.setItem(PREFERENCES_KEY, '{not json');
    freshPinia();
    expect(usePreferencesStore().theme).toBe('system');
  });

  it('prints in the light theme without changing the saved choice', async () => {
    const prefs = usePreferencesStore();
    prefs.toggleTheme();
    prefs.toggleTheme();
    expect(prefs.effectiveTheme).toBe('dark');
    prefs.printing = true;
    expect(prefs.effectiveTheme).toBe('light');
    prefs.printing = false;
    await nextTick();
    expect(prefs.effectiveTheme).toBe('dark');
    expect(JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? '{}').theme).toBe('dark');
  });

  it('cycles through both languages', () => {
    const prefs = usePreferencesStore();
    prefs.setLocale('en');
    prefs.cycleLocale();
    expect(prefs.locale).toBe('pt-BR');
    prefs.cycleLocale();
    expect(prefs.locale).toBe('en');
  });
});
