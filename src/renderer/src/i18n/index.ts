import { createI18n } from 'vue-i18n';
import { dateEnUS, datePtBR, enUS, ptBR as naivePtBR, type NDateLocale, type NLocale } from 'naive-ui';
import type { AppLocale } from '../stores/preferences';
import en, { type Messages } from './en';
import ptBR from './pt-BR';

declare module 'vue-i18n' {
  // Makes t('…') keys type-checked against en.ts.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  export interface DefineLocaleMessage extends Messages {}
}

export function createAppI18n(locale: AppLocale) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'pt-BR': ptBR },
  });
}

/** naive-ui's own texts (pagination, date picker) follow the app language. */
export const NAIVE_LOCALES: Record<AppLocale, { locale: NLocale; dateLocale: NDateLocale }> = {
  en: { locale: enUS, dateLocale: dateEnUS },
  'pt-BR': { locale: naivePtBR, dateLocale: datePtBR },
};
