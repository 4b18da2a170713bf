import { ref } from 'vue';
import { useMessage } from 'naive-ui';
import { useI18n } from 'vue-i18n';
import type { Session } from '@shared/api';
import type { ColumnAction } from './columnActions';

/**
 * The one place where a row's action button leads somewhere: Live Stream opens the viewer, Drop,
 * Prevent Purge and Configure Auditors open their dialogs. Session Logs and Video of session come
 * with the player, which replaces the last branch.
 */
export function useSessionActions() {
  const message = useMessage();
  const { t } = useI18n();
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
      case 'video':
        message.info(t('actions.arrivesWithPlayer'));
        return;
    }
  }

  return { purgeSession, auditorsSession, liveSession, dropSession, handle };
}
