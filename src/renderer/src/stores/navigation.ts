import { defineStore } from 'pinia';
import { ref } from 'vue';

export type View =
  'sessions' | 'blocks' | 'sessionLogs' | 'video' | 'library' | 'search' | 'sessionsForAudit' | 'auditTrail';

/** Which screen of the audit area is shown; the others stay mounted so they keep their state. */
export const useNavigationStore = defineStore('navigation', () => {
  const view = ref<View>('sessions');
  function show(next: View): void {
    view.value = next;
  }
  return { view, show };
});
