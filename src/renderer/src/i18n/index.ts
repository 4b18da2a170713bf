import { createI18n } from 'vue-i18n';
import { dateEnUS, datePtBR, enUS, ptBR as naivePtBR, type NDateLocale, type NLocale } from 'naive-ui';
import type { AppLocale } from '../stores/preferences';
import en, { type Messages } from './en';
import ptBR from './pt-BR';
import alertsEn, { type AlertsMessages } from './alerts.en';
import alertsPtBR from './alerts.pt-BR';
import searchEn, { type SearchMessages } from './search.en';
import searchPtBR from './search.pt-BR';
import sessionsForAuditEn, { type SessionsForAuditMessages } from './sessionsForAudit.en';
import sessionsForAuditPtBR from './sessionsForAudit.pt-BR';
import evidenceEn, { type EvidenceMessages } from './evidence.en';
import evidencePtBR from './evidence.pt-BR';
import auditTrailEn, { type AuditTrailMessages } from './auditTrail.en';
import auditTrailPtBR from './auditTrail.pt-BR';

declare module 'vue-i18n' {
  // Makes t('…') keys type-checked against en.ts.
  export interface DefineLocaleMessage
    extends
      Messages,
      SearchMessages,
      EvidenceMessages,
      AlertsMessages,
      SessionsForAuditMessages,
      AuditTrailMessages {}
}

export function createAppI18n(locale: AppLocale) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: {
      en: { ...en, ...searchEn, ...evidenceEn, ...alertsEn, ...sessionsForAuditEn, ...auditTrailEn },
      'pt-BR': {
        ...ptBR,
        ...searchPtBR,
        ...evidencePtBR,
        ...alertsPtBR,
        ...sessionsForAuditPtBR,
        ...auditTrailPtBR,
      },
    },
  });
}

/** naive-ui's own texts (pagination, date picker) follow the app language. */
export const NAIVE_LOCALES: Record<AppLocale, { locale: NLocale; dateLocale: NDateLocale }> = {
  en: { locale: enUS, dateLocale: dateEnUS },
  'pt-BR': { locale: naivePtBR, dateLocale: datePtBR },
};
