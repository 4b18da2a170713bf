import type { SessionQuery } from '@shared/api';

type Protocol = NonNullable<SessionQuery['protocol']>;
type SessionStatus = NonNullable<SessionQuery['status']>;

/** What the filter form edits: text as typed, the start period as the date picker's day timestamps. */
export interface SessionFilters {
  id: string;
  hash: string;
  user: string;
  credential: string;
  device: string;
  originIp: string;
  protocol: Protocol | null;
  proxy: string;
  status: SessionStatus | null;
  /** [first day, last day] as local-midnight timestamps from a daterange picker. */
  period: [number, number] | null;
  /** Reason/justification search. */
  q: string;
  /** Only the sessions the user is listed as an auditor of. */
  assignedToMe: boolean;
}

export const PAGE_SIZES = [10, 30, 50, 100] as const;

export function emptyFilters(): SessionFilters {
  return {
    id: '',
    hash: '',
    user: '',
    credential: '',
    device: '',
    originIp: '',
    protocol: null,
    proxy: '',
    status: null,
    period: null,
    q: '',
    assignedToMe: false,
  };
}

export function copyFilters(filters: SessionFilters): SessionFilters {
  return { ...filters, period: filters.period ? [filters.period[0], filters.period[1]] : null };
}

const TEXT_KEYS = ['hash', 'user', 'credential', 'device', 'originIp', 'proxy', 'q'] as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Maps the form to the gateway's query: blanks are left out, the last day of the period counts whole. */
export function toSessionQuery(filters: SessionFilters): SessionQuery {
  const query: SessionQuery = {};
  const id = filters.id.trim();
  if (id !== '') query.id = Number(id);
  for (const key of TEXT_KEYS) {
    const value = filters[key].trim();
    if (value !== '') query[key] = value;
  }
  if (filters.protocol) query.protocol = filters.protocol;
  if (filters.status) query.status = filters.status;
  if (filters.assignedToMe) query.assignedToMe = 'true';
  if (filters.period) {
    const [first, last] = filters.period;
    query.from = new Date(first).toISOString();
    query.to = new Date(endOfDay(last)).toISOString();
  }
  return query;
}

function endOfDay(dayStart: number): number {
  const next = new Date(dayStart + DAY_MS + 2 * 60 * 60 * 1000);
  next.setHours(0, 0, 0, 0);
  return next.getTime() - 1;
}

/** How many filters differ from empty, for the "n active" hint. */
export function activeFilterCount(filters: SessionFilters): number {
  return Object.keys(toSessionQuery(filters)).length - (filters.period ? 1 : 0);
}
