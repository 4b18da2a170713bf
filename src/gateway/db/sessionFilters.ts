import type { TERM_COLUMNS } from './migrations';
import type { Protocol, SessionStatus } from './sessionTypes';

type TermField = keyof typeof TERM_COLUMNS;

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
  /** Only the sessions this user is listed as an auditor of ("Assigned to me"). */
  assignedTo?: number;
}

/**
 * Text filters on one column each, with the index that serves it. The hash (an identifier people
 * paste) matches from its start; the others match anywhere in the value.
 */
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

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * `LIKE 'prefix%'` on a NOCASE column: case-insensitive (ASCII) prefix match that SQLite turns into
 * an index range. Wildcards typed by the user are escaped so they match literally.
 */
export function likePrefix(text: string): string {
  return `${escapeLike(text)}%`;
}

/** `LIKE '%text%'`: case-insensitive (ASCII) substring match, wildcards escaped. */
export function likeSubstring(text: string): string {
  return `%${escapeLike(text)}%`;
}
const like = (column: string, param: string) => `${column} LIKE @${param} ESCAPE '\\'`;

/**
 * The column's value is one of its known values (`session_terms`) containing the parameter's
 * pattern: a few index lookups instead of a scan of every row.
 */
const termMatch = (column: string, field: TermField, param: string) =>
  `${column} IN (SELECT value FROM session_terms WHERE field = '${field}' AND n > 0 AND ${like('value', param)})`;

/**
 * Conditions on the columns `session_counts` also has; `alias` is the table prefix. `seekProxy`
 * when the proxy index drives: its matching values become lookups of that index.
 */
export function lowCardinalityWhere(filter: SessionFilter, alias: string, seekProxy = false): Where {
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
    terms.push(seekProxy ? termMatch(`${alias}proxy`, 'proxy', 'proxy') : like(`${alias}proxy`, 'proxy'));
    params.proxy = likeSubstring(filter.proxy);
  }
  return { terms, params };
}

/**
 * One text filter. `seek` when its index drives: a substring becomes lookups of the values that
 * contain it; otherwise it is checked on each visited entry (cheaper than a set membership).
 */
export function textWhere(key: TextKey, text: string, seek = false): Where {
  const column = `s.${TEXT_FILTERS[key].column}`;
  if (key === 'hash') return { terms: [like(column, key)], params: { [key]: likePrefix(text) } };
  const term = seek ? termMatch(column, key, key) : like(column, key);
  return { terms: [term], params: { [key]: likeSubstring(text) } };
}

/**
 * Reason/justification search uses the trigram index, which finds any part of three characters or
 * more; one or two characters match the start of either text (index ranges, where a substring
 * would mean reading every reason).
 */
export function usesTrigrams(q: string): boolean {
  return [...q].length >= 3;
}

/** The full-text phrase of `q`: its trigrams in a row, i.e. `q` anywhere in either text. */
export function trigramPhrase(q: string): string {
  return `"${q.replaceAll('"', '""')}"`;
}

/**
 * The trigram index also holds each session's protocol and status (3-character codes: one trigram
 * each) and user login, so the reason search can narrow its matches by them without table lookups.
 */
export const STATUS_CODES: Record<SessionStatus, string> = { live: 'liv', finished: 'fin' };

/**
 * A search of the trigram index standing for `q`, narrowed by the other filters it holds and, with
 * `lo`/`hi`, to an id range. `exact` when every match meets those filters; otherwise (a login
 * narrowed by two of its trigrams) the matches are a superset, checked on the row. `ids`: the
 * matches once collected (a JSON array), read instead of searching again.
 */
export interface TextMatch {
  match: string;
  exact: boolean;
  lo?: number;
  hi?: number;
  ids?: string;
}

export function textMatch(filter: SessionFilter): TextMatch {
  const parts = [`{reason justification} : ${trigramPhrase(filter.q!)}`];
  if (filter.protocol !== undefined) parts.push(`protocol : "${filter.protocol}"`);
  if (filter.status !== undefined) parts.push(`status : "${STATUS_CODES[filter.status]}"`);
  const user = filter.user === undefined ? [] : [...filter.user];
  // A whole login as a phrase reads every one of its trigrams' lists: its first and last trigrams
  // narrow nearly as well for a fraction of the work.
  if (user.length >= 3) {
    for (const trigram of new Set([user.slice(0, 3).join(''), user.slice(-3).join('')])) {
      parts.push(`user : ${trigramPhrase(trigram)}`);
    }
  }
  return { match: parts.join(' AND '), exact: filter.user === undefined };
}

/** Ids of the sessions matching `m` (see TextMatch), with its parameters. */
export function trigramIds(m: TextMatch): { sql: string; params: Params } {
  if (m.ids !== undefined)
    return { sql: 'SELECT value FROM json_each(@qIdList)', params: { qIdList: m.ids } };
  // Integer bounds: parameters arrive as reals, which keep the full-text module from seeking the
  // range (it would read every match and filter after).
  const range =
    m.lo === undefined ? '' : ' AND rowid BETWEEN CAST(@qLo AS INTEGER) AND CAST(@qHi AS INTEGER)';
  return {
    sql: `SELECT rowid FROM session_text WHERE session_text MATCH @qMatch${range}`,
    params: { qMatch: m.match, ...(m.lo === undefined ? {} : { qLo: m.lo, qHi: m.hi! }) },
  };
}

/**
 * Reason/justification search on the row (`ids`: on the session id, which every index entry holds,
 * so an index walk needs no table lookup for it; the matching ids are collected once).
 */
export function qWhere(q: string, ids?: TextMatch): Where {
  if (ids !== undefined && usesTrigrams(q)) {
    const matches = trigramIds(ids);
    return { terms: [`s.id IN (${matches.sql})`], params: matches.params };
  }
  return {
    terms: [`(${like('s.reason', 'q')} OR ${like('s.prevent_purge_justification', 'q')})`],
    params: { q: usesTrigrams(q) ? likeSubstring(q) : likePrefix(q) },
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

/**
 * Every condition of the filter except the text filters named in `skip` (and q when skipQ).
 * `seek` names the filter whose index drives (see textWhere); `qIds` as in qWhere.
 */
export function fullWhere(
  filter: SessionFilter,
  options: { skip?: readonly TextKey[]; skipQ?: boolean; qIds?: TextMatch; seek?: string } = {},
): Where {
  const parts: Where[] = [];
  if (filter.id !== undefined) parts.push({ terms: ['s.id = @id'], params: { id: filter.id } });
  for (const key of TEXT_KEYS) {
    const value = filter[key];
    if (value !== undefined && !(options.skip ?? []).includes(key)) {
      parts.push(textWhere(key, value, options.seek === key));
    }
  }
  parts.push(lowCardinalityWhere(filter, 's.', options.seek === 'proxy'));
  parts.push(timeWhere(filter.from, toExclusive(filter)));
  if (filter.q !== undefined && options.skipQ !== true) parts.push(qWhere(filter.q, options.qIds));
  return merge(...parts);
}

export function toExclusive(filter: SessionFilter): number | undefined {
  return filter.to === undefined ? undefined : filter.to + 1;
}

export function activeTextKeys(filter: SessionFilter): TextKey[] {
  return TEXT_KEYS.filter((k) => filter[k] !== undefined);
}
