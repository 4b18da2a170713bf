import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import type { Session } from '@shared/api';
import type { AlertEntry, AlertNotification, AlertPreferences, AlertPushed } from '@shared/alertCentre';
import type { Alert } from '@shared/alerts';
import type { AppError } from '@shared/result';
import { api, onEvent } from '../api';
import { filterAlerts, type AlertFilter } from '../lib/alertFilter';
import { useAuthStore } from './auth';
import { usePlayerStore } from './player';
import { usePreferencesStore } from './preferences';

export type { AlertFilter } from '../lib/alertFilter';

/**
 * The alert centre: alerts the gateway pushed while the app ran (and those replayed after being
 * offline, marked late), with the unread count the header shows. Main keeps them per gateway profile;
 * this store mirrors them and opens an alert where it happened: the Live Stream of a session still
 * live, or the video at that moment once it finished. In a browser the page itself shows the OS
 * notification (the Web Notifications API); in the desktop app main already did.
 */
export const useAlertsStore = defineStore('alerts', () => {
  const auth = useAuthStore();
  const appPreferences = usePreferencesStore();

  const entries = ref<AlertEntry[]>([]);
  const unread = ref(0);
  const preferences = ref<AlertPreferences | null>(null);
  const filter = reactive<AlertFilter>({ kind: null, criticality: null, unreadOnly: false });
  const centreOpen = ref(false);
  const preferencesOpen = ref(false);
  /** The Live Stream an alert opened (shown over whatever screen is on). */
  const liveSession = shallowRef<Session | null>(null);
  const error = ref<AppError | null>(null);

  const shown = computed(() => filterAlerts(entries.value, filter));

  let listening: Array<() => void> = [];
  /** Answers for an older login must not land in the newer one. */
  let generation = 0;

  /** Starts following pushed alerts; called once the header (signed in) is on screen. */
  function listen(): void {
    if (listening.length > 0) return;
    listening = [
      onEvent('alerts:alert', receive),
      onEvent('alerts:missed', ({ notification }) => showNotification(notification)),
      onEvent('alerts:open', ({ alertId }) => void openById(alertId)),
    ];
  }

  function dispose(): void {
    for (const stop of listening) stop();
    listening = [];
  }

  async function load(): Promise<void> {
    const ticket = ++generation;
    const [listed, saved] = await Promise.all([api.listAlerts(), api.alertPreferences()]);
    if (ticket !== generation) return;
    if (listed.ok) {
      entries.value = listed.value;
      unread.value = listed.value.filter((entry) => !entry.read).length;
    }
    if (saved.ok) {
      preferences.value = saved.value;
      // OS notifications are written in main: they follow the app's language.
      if (saved.value.locale !== appPreferences.locale) void savePreferences({ ...saved.value });
    }
    error.value = listed.ok ? (saved.ok ? null : saved.error) : listed.error;
  }

  function receive(pushed: AlertPushed): void {
    const id = pushed.entry.alert.id;
    entries.value = [pushed.entry, ...entries.value.filter((entry) => entry.alert.id !== id)];
    unread.value = pushed.unread;
    if (pushed.notification) showNotification(pushed.notification);
  }

  async function markRead(ids: number[] | null): Promise<void> {
    const wanted = ids === null ? null : new Set(ids);
    const touched = entries.value.some(
      (entry) => !entry.read && (wanted === null || wanted.has(entry.alert.id)),
    );
    if (!touched) return;
    entries.value = entries.value.map((entry) =>
      wanted === null || wanted.has(entry.alert.id) ? { ...entry, read: true } : entry,
    );
    const answer = await api.markAlertsRead(ids);
    if (answer.ok) unread.value = answer.value.unread;
  }

  async function savePreferences(next: AlertPreferences): Promise<boolean> {
    const saved = await api.setAlertPreferences({ ...next, locale: appPreferences.locale });
    if (!saved.ok) {
      error.value = saved.error;
      return false;
    }
    preferences.value = saved.value;
    return true;
  }

  /** Opens where the alert happened: Live Stream while the session is live, else the video at atMs. */
  async function open(alert: Alert): Promise<void> {
    void markRead([alert.id]);
    if (alert.sessionId === null) return;
    const found = await auth.run(() => api.getSession(alert.sessionId ?? 0));
    if (!found.ok) {
      error.value = found.error;
      return;
    }
    error.value = null;
    centreOpen.value = false;
    const session = found.value;
    if (session.status === 'live') {
      liveSession.value = session;
      return;
    }
    await openVideoAt(session, alert.atMs ?? 0);
  }

  async function openById(alertId: number | null): Promise<void> {
    const entry = alertId === null ? undefined : entries.value.find((e) => e.alert.id === alertId);
    if (entry) await open(entry.alert);
    else centreOpen.value = true;
  }

  function closeLive(): void {
    liveSession.value = null;
  }

  /** Shows the first screen as usual, then moves to the alert's moment once the video is ready. */
  async function openVideoAt(session: Session, atMs: number): Promise<void> {
    const player = usePlayerStore();
    const stop = watch(
      () => player.phase,
      (phase) => {
        if (phase !== 'ready' && phase !== 'downloading' && phase !== 'opening') stop();
        if (phase !== 'ready') return;
        stop();
        void player.seek(atMs);
      },
      { flush: 'post' },
    );
    await player.open(session);
  }

  /** The Web Notifications API, outside the desktop app (main shows them there). */
  function showNotification(notification: AlertNotification): void {
    if (typeof Notification === 'undefined') return;
    const show = () => {
      const shownNow = new Notification(notification.title, {
        body: notification.body,
        silent: notification.silent,
        tag: notification.alertId === null ? 'vigil-missed' : `vigil-alert-${notification.alertId}`,
      });
      shownNow.onclick = () => {
        window.focus();
        shownNow.close();
        void openById(notification.alertId);
      };
    };
    if (Notification.permission === 'granted') show();
    else if (Notification.permission === 'default') {
      void Notification.requestPermission().then((answer) => answer === 'granted' && show());
    }
  }

  /** Forgets what belonged to the login that ended. */
  function clear(): void {
    generation += 1;
    entries.value = [];
    unread.value = 0;
    preferences.value = null;
    liveSession.value = null;
    centreOpen.value = false;
    preferencesOpen.value = false;
    error.value = null;
  }

  watch(
    () => appPreferences.locale,
    () => {
      if (preferences.value) void savePreferences(preferences.value);
    },
  );

  return {
    entries,
    unread,
    preferences,
    filter,
    shown,
    centreOpen,
    preferencesOpen,
    liveSession,
    error,
    listen,
    dispose,
    load,
    receive,
    markRead,
    savePreferences,
    open,
    openById,
    closeLive,
    clear,
  };
});
