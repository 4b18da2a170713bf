import { defineStore } from 'pinia';
import { ref } from 'vue';
import {
  PAGE_SIZE_DEFAULT,
  type AssignedAudit,
  type AssignedAuditQuery,
  type AuditMark,
  type Session,
} from '@shared/api';
import type { AppError, Result } from '@shared/result';
import { invoke } from '../api';
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
  const page = ref(1);
  const pageSize = ref<number>(PAGE_SIZE_DEFAULT);
  const items = ref<AssignedAudit[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  /** Sessions whose mark is being saved (their controls wait). */
  const saving = ref<ReadonlySet<number>>(new Set());
  /** Only the newest request may write the list, whatever order the answers arrive in. */
  let latest = 0;

  async function load(): Promise<void> {
    const ticket = ++latest;
    loading.value = true;
    const audited = FLAG[filter.value];
    const query: AssignedAuditQuery = {
      page: page.value,
      pageSize: pageSize.value,
      ...(audited === undefined ? {} : { audited }),
    };
    const result = await auth.run(() => invoke('audit:assigned', query));
    if (ticket !== latest) return;
    loading.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    items.value = result.value.items;
    total.value = result.value.total;
    const lastPage = Math.max(1, Math.ceil(result.value.total / pageSize.value));
    // A mark that moved a session out of the filter can empty the last page.
    if (page.value > lastPage) {
      page.value = lastPage;
      await load();
    }
  }

  function setFilter(next: AuditFilter): Promise<void> {
    filter.value = next;
    page.value = 1;
    return load();
  }

  function setPage(next: number): Promise<void> {
    page.value = next;
    return load();
  }

  function setPageSize(next: number): Promise<void> {
    pageSize.value = next;
    page.value = 1;
    return load();
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
    latest += 1;
    filter.value = 'all';
    page.value = 1;
    pageSize.value = PAGE_SIZE_DEFAULT;
    items.value = [];
    total.value = 0;
    loading.value = false;
    error.value = null;
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
