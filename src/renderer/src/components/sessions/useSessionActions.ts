import { ref } from 'vue';
import { useMessage } from 'naive-ui';
import { useI18n } from 'vue-i18n';
import type { Session } from '@shared/api';
import { useSessionLogsStore } from '../../stores/sessionLogs';
import type { ColumnAction } from './columnActions';

/**
 * The one place where a row's action button leads somewhere: Live Stream opens the viewer, Session
 * Logs its screen, Drop, Prevent Purge and Configure Auditors their dialogs. Video of session
 * comes with the player, which replaces the last branch.
 */
export function useSessionActions() {
  const message = useMessage();
  const { t } = useI18n();
  const sessionLogs = useSessionLogsStore();
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
        void sessionLogs.open(session);
        return;
      case 'video':
        message.info(t('actions.arrivesWithPlayer'));
        return;
    }
  }

  return { purgeSession, auditorsSession, liveSession, dropSession, handle };
}
