import { ref } from 'vue';
import { useMessage } from 'naive-ui';
import { useI18n } from 'vue-i18n';
import type { Session } from '../../../../shared/api';
import type { ColumnAction } from './columnActions';

/**
 * The one place where a row's action button leads somewhere. Prevent Purge and Configure
 * Auditors open their dialogs; the session viewer (Live Stream, Drop, Logs, Video) is built by
 * later issues, which replace the branch below.
 */
export function useSessionActions() {
  const message = useMessage();
  const { t } = useI18n();
  const purgeSession = ref<Session | null>(null);
  const auditorsSession = ref<Session | null>(null);

  function handle(action: ColumnAction, session: Session): void {
    switch (action) {
      case 'preventPurge':
        purgeSession.value = session;
        return;
      case 'configureAuditors':
        auditorsSession.value = session;
        return;
      case 'liveStream':
      case 'drop':
      case 'logs':
      case 'video':
        message.info(t('actions.arrivesWithViewer'));
        return;
    }
  }

  return { purgeSession, auditorsSession, handle };
}
