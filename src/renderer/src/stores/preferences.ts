import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

const THEME_CHOICES = ['system', 'light', 'dark'] as const;
type ThemeChoice = (typeof THEME_CHOICES)[number];
export type EffectiveTheme = Exclude<ThemeChoice, 'system'>;

const LOCALES = ['en', 'pt-BR'] as const;
export type AppLocale = (typeof LOCALES)[number];

export const PREFERENCES_KEY = 'vigil.preferences';

interface StoredPreferences {
  theme: ThemeChoice;
  locale: AppLocale;
  lastProfileId: string | null;
}

const isTheme = (v: unknown): v is ThemeChoice => THEME_CHOICES.some((t) => t === v);
const isLocale = (v: unknown): v is AppLocale => LOCALES.some((l) => l === v);

function osLocale(): AppLocale {
  return navigator.language.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

/** Reads what was saved, ignoring anything malformed (an older version, a hand-edited value). */
function readStored(): StoredPreferences {
  const defaults: StoredPreferences = { theme: 'system', locale: osLocale(), lastProfileId: null };
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? 'null');
    if (typeof raw !== 'object' || raw === null) return defaults;
    const saved = raw as Record<string, unknown>;
    return {
      theme: isTheme(saved.theme) ? saved.theme : defaults.theme,
      locale: isLocale(saved.locale) ? saved.locale : defaults.locale,
      lastProfileId: typeof saved.lastProfileId === 'string' ? saved.lastProfileId : null,
    };
  } catch {
    return defaults;
  }
}

function darkSchemeQuery(): MediaQueryList | null {
  return typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
}

/** Appearance and small conveniences that belong to this computer, not to a gateway account. */
export const usePreferencesStore = defineStore('preferences', () => {
  const stored = readStored();
  const theme = ref<ThemeChoice>(stored.theme);
  const locale = ref<AppLocale>(stored.locale);
  const lastProfileId = ref<string | null>(stored.lastProfileId);

  const query = darkSchemeQuery();
  const systemDark = ref(query?.matches ?? false);
  query?.addEventListener('change', (event) => {
    systemDark.value = event.matches;
  });

  /** While printing, paper gets the light theme whatever the screen shows. Never saved. */
  const printing = ref(false);

  const effectiveTheme = computed<EffectiveTheme>(() => {
    if (printing.value) return 'light';
    return theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value;
  });

  /** Flips what is on screen; from then on the choice is explicit until followSystem(). */
  function toggleTheme(): void {
    const shown = theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value;
    theme.value = shown === 'dark' ? 'light' : 'dark';
  }

  function followSystem(): void {
    theme.value = 'system';
  }

  function setLocale(next: AppLocale): void {
    locale.value = next;
  }

  function cycleLocale(): void {
    const index = LOCALES.indexOf(locale.value);
    locale.value = LOCALES[(index + 1) % LOCALES.length] ?? 'en';
  }

  watch([theme, locale, lastProfileId], () => {
    const value: StoredPreferences = {
      theme: theme.value,
      locale: locale.value,
      lastProfileId: lastProfileId.value,
    };
    localStorage.setItem(PREFERENCES_KEY, JSON.stringify(value));
  });

  return {
    theme,
    locale,
    lastProfileId,
    systemDark,
    printing,
    effectiveTheme,
    toggleTheme,
    followSystem,
    setLocale,
    cycleLocale,
  };
});
