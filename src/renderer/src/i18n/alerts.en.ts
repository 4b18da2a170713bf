/**
 * English texts of the alert centre (header bell, list, preferences), merged by i18n/index.ts under
 * the key `alerts`. vue-i18n reserves { } @ $ | in messages.
 */
const alertsEn = {
  alerts: {
    bell: 'Alerts',
    bellUnread: 'Alerts: {count} unread',
    title: 'Alerts',
    empty: 'No alerts',
    emptyFiltered: 'No alerts match these filters',
    markRead: 'Mark read',
    markAllRead: 'Mark all read',
    preferences: 'Alert preferences',
    late: 'Late',
    lateHint: 'Arrived after a reconnect: it happened while the app was offline',
    unread: 'Unread',
    filterKind: 'Kind',
    filterCriticality: 'Criticality',
    filterUnread: 'Unread only',
    anyKind: 'Any kind',
    anyCriticality: 'Any criticality',
    session: 'Session #{id}',
    by: 'by {actor}',
    openLive: 'Live Stream',
    openVideo: 'Video at this moment',
    liveNow: 'Live now',
    kinds: {
      riskyCommand: 'Risky command',
      sessionBlocked: 'Session blocked',
      sessionDropped: 'Session dropped',
      operatorRefused: 'Operator refused',
      watchedTarget: 'Watched target',
    },
    criticalities: {
      low: 'Low',
      medium: 'Medium',
      high: 'High',
      critical: 'Critical',
    },
    prefs: {
      title: 'Alert preferences',
      hint: 'Kept on this computer for this gateway.',
      kinds: 'Alert me about',
      minCriticality: 'Risky commands from criticality',
      quietHours: 'Quiet hours',
      quietHint: 'No notification or sound then; alerts still reach the alert centre',
      quietFrom: 'From',
      quietTo: 'To',
      sound: 'Sound',
      watchedTargets: 'Watched targets',
      watchedHint: 'Alert me when a session starts on these targets (as the session list names them)',
      addTarget: 'Add target',
      saved: 'Alert preferences saved',
    },
  },
};

export type AlertsMessages = typeof alertsEn;
export default alertsEn;
