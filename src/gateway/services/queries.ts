import { PAGE_SIZE_DEFAULT, type AuditEventQuery, type SessionQuery } from '../../shared/api';
import type { EventFilter } from '../db/events';
import type { SessionFilter } from '../db/sessionFilters';
import { badRequest } from '../errors';

export interface Paging {
  page: number;
  pageSize: number;
  offset: number;
}

export function paging(query: { page?: number; pageSize?: number }): Paging {
  const page = query.page ?? 1;
  const pageSize = query.pageSize ?? PAGE_SIZE_DEFAULT;
  return { page, pageSize, offset: (page - 1) * pageSize };
}

/** ISO-8601 text that passed the schema's format check but still is no real instant → 400. */
export function parseInstant(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw badRequest(`${name} is not a valid date-time: use ISO-8601, e.g. 2025-01-31T12:00:00Z`);
  return ms;
}

function range(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  const fromMs = parseInstant(from, 'from');
  const toMs = parseInstant(to, 'to');
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
    throw badRequest('from must not be after to');
  return { from: fromMs, to: toMs };
}

/** The sessions list filters in storage terms; text filters are trimmed, blank ones ignored. */
export function toSessionFilter(query: SessionQuery): SessionFilter {
  const text = (value: string | undefined) => {
    const trimmed = value?.trim();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  };
  return dropUndefined({
    id: query.id,
    hash: text(query.hash),
    user: text(query.user),
    credential: text(query.credential),
    device: text(query.device),
    originIp: text(query.originIp),
    protocol: query.protocol,
    proxy: text(query.proxy),
    status: query.status,
    q: text(query.q),
    ...range(query.from, query.to),
  });
}

export function toEventFilter(query: AuditEventQuery): EventFilter {
  const actor = query.actor?.trim();
  return dropUndefined({
    sessionId: query.sessionId,
    type: query.type,
    actor: actor === '' ? undefined : actor,
    ...range(query.from, query.to),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A one-line description of the filters, for the "Exported Details" event note. */
export function describeQuery(query: SessionQuery): string {
  const parts = Object.entries(query)
    .filter(([key, v]) => v !== undefined && key !== 'page' && key !== 'pageSize')
    .map(([key, v]) => `${key}=${String(v)}`);
  return parts.length === 0 ? 'no filters' : parts.join(', ');
}
