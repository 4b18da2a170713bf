import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuditEvent, AuditEventQuery, ChainStatus } from '@shared/api';
import type { EventType } from '@shared/events';
import type { AppError } from '@shared/result';
import { invoke } from '../api';
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
  const page = ref(1);
  const pageSize = ref(30);
  const items = ref<AuditEvent[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  const chain = ref<ChainStatus | null>(null);
  const verifying = ref(false);
  const verifyError = ref<AppError | null>(null);
  /** Only the newest request may write the list, whatever order the answers arrive in. */
  let latest = 0;

  const mayView = computed(() => auth.user?.permissions.includes('PAM.SessionManagement.Logs') === true);

  async function load(): Promise<void> {
    const ticket = ++latest;
    loading.value = true;
    const query = toAuditQuery(filters.value, page.value, pageSize.value);
    const result = await auth.run(() => invoke('audit:events', query));
    if (ticket !== latest) return;
    loading.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    items.value = result.value.items;
    total.value = result.value.total;
  }

  /** New filters start again from the first page. */
  function setFilters(next: Partial<AuditTrailFilters>): Promise<void> {
    filters.value = { ...filters.value, ...next };
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
    latest += 1;
    filters.value = emptyAuditFilters();
    page.value = 1;
    items.value = [];
    total.value = 0;
    loading.value = false;
    error.value = null;
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
