import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuditEvent, AuditEventQuery, ChainStatus } from '@shared/api';
import type { EventType } from '@shared/events';
import type { AppError } from '@shared/result';
import { invoke } from '../api';
import { usePagedList } from '../composables/usePagedList';
import { useAuthStore } from './auth';

/** The screen's filters; the period is two epoch milliseconds, as naive-ui's range picker gives them. */
export interface AuditTrailFilters {
  actor: string;
  type: EventType | null;
  sessionId: number | null;
  period: [number, number] | null;
}

export const emptyAuditFilters = (): AuditTrailFilters => ({
  actor: '',
  type: null,
  sessionId: null,
  period: null,
});

export function toAuditQuery(filters: AuditTrailFilters, page: number, pageSize: number): AuditEventQuery {
  const actor = filters.actor.trim();
  return {
    ...(actor === '' ? {} : { actor }),
    ...(filters.type === null ? {} : { type: filters.type }),
    ...(filters.sessionId === null ? {} : { sessionId: filters.sessionId }),
    ...(filters.period === null
      ? {}
      : { from: new Date(filters.period[0]).toISOString(), to: new Date(filters.period[1]).toISOString() }),
    page,
    pageSize,
  };
}

/** The Audit trail screen: the gateway's events, newest first, and the state of their chain. */
export const useAuditTrailStore = defineStore('auditTrail', () => {
  const auth = useAuthStore();

  const filters = ref<AuditTrailFilters>(emptyAuditFilters());
  const list = usePagedList<AuditEvent>((page, pageSize) => {
    const query = toAuditQuery(filters.value, page, pageSize);
    return auth.run(() => invoke('audit:events', query));
  });
  const { page, pageSize, items, total, loading, error, load, setPage, setPageSize } = list;
  const chain = ref<ChainStatus | null>(null);
  const verifying = ref(false);
  const verifyError = ref<AppError | null>(null);

  const mayView = computed(() => auth.user?.permissions.includes('PAM.SessionManagement.Logs') === true);

  /** New filters start again from the first page. */
  function setFilters(next: Partial<AuditTrailFilters>): Promise<void> {
    filters.value = { ...filters.value, ...next };
    return list.loadFirstPage();
  }

  /** The gateway checks only what came in since its last successful check, so asking again is cheap. */
  async function verify(): Promise<void> {
    if (verifying.value) return;
    verifying.value = true;
    const result = await auth.run(() => invoke('audit:verify'));
    verifying.value = false;
    if (!result.ok) {
      verifyError.value = result.error;
      return;
    }
    verifyError.value = null;
    chain.value = result.value;
  }

  function clear(): void {
    list.clear();
    filters.value = emptyAuditFilters();
    chain.value = null;
    verifying.value = false;
    verifyError.value = null;
  }

  return {
    filters,
    page,
    pageSize,
    items,
    total,
    loading,
    error,
    chain,
    verifying,
    verifyError,
    mayView,
    load,
    setFilters,
    setPage,
    setPageSize,
    verify,
    clear,
  };
});
