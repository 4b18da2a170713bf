import { defineStore } from 'pinia';
import { ref } from 'vue';
import {
  PAGE_SIZE_DEFAULT,
  type AssignedAudit,
  type AssignedAuditQuery,
  type AuditMark,
  type Session,
} from '@shared/api';
import type { Result } from '@shared/result';
import { invoke } from '../api';
import { usePagedList } from '../composables/usePagedList';
import { useAuthStore } from './auth';

/** Which of the assigned sessions are shown. */
export type AuditFilter = 'all' | 'audited' | 'notAudited';

const FLAG: Record<AuditFilter, AssignedAuditQuery['audited']> = {
  all: undefined,
  audited: 'true',
  notAudited: 'false',
};

/**
 * Sessions for audit: the sessions the signed-in user audits, with the Audited? flag and comment
 * they keep on each. The gateway is the record: a saved mark comes back from it, never guessed.
 */
export const useSessionsForAuditStore = defineStore('sessionsForAudit', () => {
  const auth = useAuthStore();

  const filter = ref<AuditFilter>('all');
  const list = usePagedList<AssignedAudit>((page, pageSize) => {
    const audited = FLAG[filter.value];
    const query: AssignedAuditQuery = { page, pageSize, ...(audited === undefined ? {} : { audited }) };
    return auth.run(() => invoke('audit:assigned', query));
  });
  const { page, pageSize, items, total, loading, error, load, setPage, setPageSize } = list;
  /** Sessions whose mark is being saved (their controls wait). */
  const saving = ref<ReadonlySet<number>>(new Set());

  function setFilter(next: AuditFilter): Promise<void> {
    filter.value = next;
    return list.loadFirstPage();
  }

  /** Saves the user's mark; the row shows what the gateway kept (the comment trimmed). */
  async function saveMark(sessionId: number, audited: boolean, comment: string): Promise<Result<AuditMark>> {
    saving.value = new Set([...saving.value, sessionId]);
    const result = await auth.run(() => invoke('audit:setMark', { sessionId, audited, comment }));
    const rest = new Set(saving.value);
    rest.delete(sessionId);
    saving.value = rest;
    if (result.ok) {
      const index = items.value.findIndex((i) => i.session.id === sessionId);
      const row = items.value[index];
      if (row !== undefined) {
        const { audited: flag, comment: kept, updatedAt } = result.value;
        items.value.splice(index, 1, { ...row, audited: flag, comment: kept, updatedAt });
      }
    }
    return result;
  }

  /** A session row changed elsewhere (the live updates): its columns follow, the mark stays. */
  function replaceSession(session: Session): void {
    const index = items.value.findIndex((i) => i.session.id === session.id);
    const row = items.value[index];
    if (row !== undefined) items.value.splice(index, 1, { ...row, session });
  }

  /** Forgets everything when the user signs out, so the next person starts clean. */
  function clear(): void {
    list.clear();
    filter.value = 'all';
    pageSize.value = PAGE_SIZE_DEFAULT;
    saving.value = new Set();
  }

  return {
    filter,
    page,
    pageSize,
    items,
    total,
    loading,
    error,
    saving,
    load,
    setFilter,
    setPage,
    setPageSize,
    saveMark,
    replaceSession,
    clear,
  };
});
