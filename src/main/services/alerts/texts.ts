import type { AlertPreferences } from '../../../shared/alertCentre';
import type { Alert, AlertKind } from '../../../shared/alerts';
import type { Criticality } from '../../../shared/rules';

type Locale = AlertPreferences['locale'];

/**
 * The few texts the main process writes itself (OS notifications, the tray), in the app's two
 * languages; the alert's own line comes from the gateway.
 */
const TEXTS = {
  en: {
    kinds: {
      riskyCommand: 'Risky command',
      sessionBlocked: 'Session blocked',
      sessionDropped: 'Session dropped',
      operatorRefused: 'Operator refused',
      watchedTarget: 'Session on a watched target',
    },
    criticalities: { low: 'low', medium: 'medium', high: 'high', critical: 'critical' },
    missedTitle: 'Missed alerts',
    missed: (n: number) =>
      n === 1 ? '1 alert arrived while Vigil was offline' : `${n} alerts arrived while Vigil was offline`,
    live: (n: number) => (n === 1 ? '1 live session' : `${n} live sessions`),
    unread: (n: number) => (n === 1 ? '1 unread alert' : `${n} unread alerts`),
    open: 'Open Vigil',
    alerts: 'Show alerts',
    quit: 'Quit',
  },
  'pt-BR': {
    kinds: {
      riskyCommand: 'Comando arriscado',
      sessionBlocked: 'Sessão bloqueada',
      sessionDropped: 'Sessão derrubada',
      operatorRefused: 'Operador recusado',
      watchedTarget: 'Sessão em um destino observado',
    },
    criticalities: { low: 'baixa', medium: 'média', high: 'alta', critical: 'crítica' },
    missedTitle: 'Alertas perdidos',
    missed: (n: number) =>
      n === 1
        ? '1 alerta chegou enquanto o Vigil estava offline'
        : `${n} alertas chegaram enquanto o Vigil estava offline`,
    live: (n: number) => (n === 1 ? '1 sessão ao vivo' : `${n} sessões ao vivo`),
    unread: (n: number) => (n === 1 ? '1 alerta não lido' : `${n} alertas não lidos`),
    open: 'Abrir o Vigil',
    alerts: 'Mostrar alertas',
    quit: 'Sair',
  },
} as const satisfies Record<
  Locale,
  {
    kinds: Record<AlertKind, string>;
    criticalities: Record<Criticality, string>;
    missedTitle: string;
    missed: (n: number) => string;
    live: (n: number) => string;
    unread: (n: number) => string;
    open: string;
    alerts: string;
    quit: string;
  }
>;

export const textsFor = (locale: Locale) => TEXTS[locale];

/** "Risky command · critical — web-001": what happened, how bad, where. */
export function notificationTitle(alert: Alert, locale: Locale): string {
  const texts = TEXTS[locale];
  const parts: string[] = [texts.kinds[alert.kind]];
  if (alert.rule !== null) parts.push(texts.criticalities[alert.rule.criticality]);
  const title = parts.join(' · ');
  return alert.target === null ? title : `${title} — ${alert.target}`;
}

export function missedAlertsText(count: number, locale: Locale): { title: string; body: string } {
  const texts = TEXTS[locale];
  return { title: texts.missedTitle, body: texts.missed(count) };
}
