import type { Protocol, SessionStatus } from './sessionTypes';

/** A validated list filter in storage terms (times in ms, `from`/`to` inclusive). */
export interface SessionFilter {
  id?: number;
  hash?: string;
  user?: string;
  credential?: string;
  device?: string;
  originIp?: string;
  protocol?: Protocol;
  proxy?: string;
  status?: SessionStatus;
  from?: number;
  to?: number;
  q?: string;
}

/** Text filters that match from the start of one column, each with the index that serves it. */
export const TEXT_FILTERS = {
  hash: { column: 'hash', index: 'sessions_hash' },
  user: { column: 'user_login', index: 'sessions_user' },
  credential: { column: 'credential', index: 'sessions_credential' },
  device: { column: 'device', index: 'sessions_device' },
  originIp: { column: 'origin_ip', index: 'sessions_origin_ip' },
} as const;
export type TextKey = keyof typeof TEXT_FILTERS;
export const TEXT_KEYS = Object.keys(TEXT_FILTERS) as TextKey[];

export type Params = Record<string, string | number>;

export interface Where {
  terms: string[];
  params: Params;
}

/**
 * `LIKE 'prefix%'` on a NOCASE column: case-insensitive (ASCII) prefix match that SQLite turns into
 * an index range. Wildcards typed by the user are escaped so they match literally.
 */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
const like = (column: string, param: string) => `${column} LIKE @${param} ESCAPE '\\'`;

/** Conditions on the columns `session_counts` also has; `alias` is the table prefix. */
export function lowCardinalityWhere(filter: SessionFilter, alias: string): Where {
  const terms: string[] = [];
  const params: Params = {};
  if (filter.protocol !== undefined) {
    terms.push(`${alias}protocol = @protocol`);
    params.protocol = filter.protocol;
  }
  if (filter.status !== undefined) {
    terms.push(`${alias}status = @status`);
    params.status = filter.status;
  }
  if (filter.proxy !== undefined) {
    terms.push(like(`${alias}proxy`, 'proxy'));
    params.proxy = likePrefix(filter.proxy);
  }
  return { terms, params };
}

export function textWhere(key: TextKey, prefix: string, alias = 's.'): Where {
  return { terms: [like(`${alias}${TEXT_FILTERS[key].column}`, key)], params: { [key]: likePrefix(prefix) } };
}

/** Reason/justification search: a prefix of either text. */
export function qWhere(q: string): Where {
  return {
    terms: [`(${like('s.reason', 'q')} OR ${like('s.prevent_purge_justification', 'q')})`],
    params: { q: likePrefix(q) },
  };
}

export function timeWhere(from: number | undefined, toExclusive: number | undefined, alias = 's.'): Where {
  const terms: string[] = [];
  const params: Params = {};
  if (from !== undefined) {
    terms.push(`${alias}started_at >= @from`);
    params.from = from;
  }
  if (toExclusive !== undefined) {
    terms.push(`${alias}started_at < @toExclusive`);
    params.toExclusive = toExclusive;
  }
  return { terms, params };
}

export function merge(...parts: Where[]): Where {
  return {
    terms: parts.flatMap((p) => p.terms),
    params: Object.assign({}, ...parts.map((p) => p.params)) as Params,
  };
}

export function whereSql(where: Where): string {
  return where.terms.length === 0 ? '' : `WHERE ${where.terms.join(' AND ')}`;
}

/** Every condition of the filter except the text filters named in `skip` (and q when skipQ). */
export function fullWhere(
  filter: SessionFilter,
  options: { skip?: readonly TextKey[]; skipQ?: boolean } = {},
): Where {
  const parts: Where[] = [];
  if (filter.id !== undefined) parts.push({ terms: ['s.id = @id'], params: { id: filter.id } });
  for (const key of TEXT_KEYS) {
    const value = filter[key];
    if (value !== undefined && !(options.skip ?? []).includes(key)) parts.push(textWhere(key, value));
  }
  parts.push(lowCardinalityWhere(filter, 's.'));
  parts.push(timeWhere(filter.from, toExclusive(filter)));
  if (filter.q !== undefined && options.skipQ !== true) parts.push(qWhere(filter.q));
  return merge(...parts);
}

export function toExclusive(filter: SessionFilter): number | undefined {
  return filter.to === undefined ? undefined : filter.to + 1;
}

export function activeTextKeys(filter: SessionFilter): TextKey[] {
  return TEXT_KEYS.filter((k) => filter[k] !== undefined);
}
