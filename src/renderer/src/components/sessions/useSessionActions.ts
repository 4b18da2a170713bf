import { ref } from 'vue';
import type { Session } from '@shared/api';
import type { View } from '../../stores/navigation';
import { usePlayerStore } from '../../stores/player';
import { useSessionLogsStore } from '../../stores/sessionLogs';
import type { ColumnAction } from './columnActions';

/**
 * The one place where a row's action button leads somewhere: Live Stream opens the viewer, Session
 * Logs and Video of session their screens, Drop, Prevent Purge and Configure Auditors their dialogs.
 * `from`: the screen Session Logs goes back to.
 */
export function useSessionActions(from: View = 'sessions') {
  const sessionLogs = useSessionLogsStore();
  const player = usePlayerStore();
  const purgeSession = ref<Session | null>(null);
  const auditorsSession = ref<Session | null>(null);
  const liveSession = ref<Session | null>(null);
  const dropSession = ref<Session | null>(null);

  function handle(action: ColumnAction, session: Session): void {
    switch (action) {
      case 'preventPurge':
        purgeSession.value = session;
        return;
      case 'configureAuditors':
        auditorsSession.value = session;
        return;
      case 'liveStream':
        liveSession.value = session;
        return;
      case 'drop':
        dropSession.value = session;
        return;
      case 'logs':
        void sessionLogs.open(session, from);
        return;
      case 'video':
        void player.open(session, from === 'sessionsForAudit' ? 'sessionsForAudit' : 'sessions');
        return;
    }
  }

  return { purgeSession, auditorsSession, liveSession, dropSession, handle };
}
