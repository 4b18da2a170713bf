import type { AlertsMessages } from './alerts.en';

/** Portuguese (Brazil) of alerts.en.ts; typed against it, so a missing key fails the type check. */
const alertsPtBR: AlertsMessages = {
  alerts: {
    bell: 'Alertas',
    bellUnread: 'Alertas: {count} não lidos',
    title: 'Alertas',
    empty: 'Nenhum alerta',
    emptyFiltered: 'Nenhum alerta corresponde a estes filtros',
    markRead: 'Marcar como lido',
    markAllRead: 'Marcar todos como lidos',
    preferences: 'Preferências de alertas',
    late: 'Atrasado',
    lateHint: 'Chegou após uma reconexão: aconteceu enquanto o aplicativo estava offline',
    unread: 'Não lido',
    filterKind: 'Tipo',
    filterCriticality: 'Criticidade',
    filterUnread: 'Somente não lidos',
    anyKind: 'Qualquer tipo',
    anyCriticality: 'Qualquer criticidade',
    session: 'Sessão #{id}',
    by: 'por {actor}',
    openLive: 'Transmissão ao vivo',
    openVideo: 'Vídeo neste momento',
    liveNow: 'Ao vivo',
    kinds: {
      riskyCommand: 'Comando arriscado',
      sessionBlocked: 'Sessão bloqueada',
      sessionDropped: 'Sessão derrubada',
      operatorRefused: 'Operador recusado',
      watchedTarget: 'Destino observado',
    },
    criticalities: {
      low: 'Baixa',
      medium: 'Média',
      high: 'Alta',
      critical: 'Crítica',
    },
    prefs: {
      title: 'Preferências de alertas',
      hint: 'Guardadas neste computador para este gateway.',
      kinds: 'Alertar sobre',
      minCriticality: 'Comandos arriscados a partir da criticidade',
      quietHours: 'Horário silencioso',
      quietHint: 'Sem notificação nem som nesse horário; os alertas continuam chegando à central',
      quietFrom: 'De',
      quietTo: 'Até',
      sound: 'Som',
      watchedTargets: 'Destinos observados',
      watchedHint: 'Alertar quando uma sessão começar nestes destinos (como a lista de sessões os nomeia)',
      addTarget: 'Adicionar destino',
      saved: 'Preferências de alertas salvas',
    },
  },
};

export default alertsPtBR;
