import type { GlobalThemeOverrides } from 'naive-ui';
import type { EffectiveTheme } from './stores/preferences';

const FONT =
  "Inter, 'Segoe UI', system-ui, -apple-system, Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif";
const MONO = "'JetBrains Mono', 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace";

/** One accent (a calm indigo) in both themes; the dark one is lighter so it keeps its contrast. */
export const THEME_OVERRIDES: Record<EffectiveTheme, GlobalThemeOverrides> = {
  light: {
    common: {
      fontFamily: FONT,
      fontFamilyMono: MONO,
      primaryColor: '#3b5bdb',
      primaryColorHover: '#4c6ef5',
      primaryColorPressed: '#364fc7',
      primaryColorSuppl: '#4c6ef5',
      borderRadius: '6px',
      bodyColor: '#f4f6fa',
    },
    DataTable: { thColor: '#f8f9fc', thFontWeight: '600', fontSizeSmall: '13px' },
  },
  dark: {
    common: {
      fontFamily: FONT,
      fontFamilyMono: MONO,
      primaryColor: '#7b93f7',
      primaryColorHover: '#91a7ff',
      primaryColorPressed: '#5c7cfa',
      primaryColorSuppl: '#91a7ff',
      borderRadius: '6px',
      bodyColor: '#0f1115',
      cardColor: '#171a21',
      modalColor: '#1b1e26',
      popoverColor: '#20242d',
    },
    DataTable: { thColor: '#1c2029', tdColor: '#171a21', thFontWeight: '600', fontSizeSmall: '13px' },
  },
};
