import { DAY_MS, TERM_COLUMNS } from '../migrations';
import { EXPORT_COLUMNS, toExportRow, type ExportTuple, type SessionExportRow } from '../sessionExport';
import { likePrefix, likeSubstring, usesTrigrams, type SessionFilter } from '../sessionFilters';
import { EXPORT_BATCH_ROWS } from '../sessionPlan';
import type { Visibility } from '../sessionTypes';
import type { Executor } from './connection';

/**
 * The sessions list on PostgreSQL at millions of rows. Its planner picks the index once the
 * conditions are ones it can use: the narrowest substring filter becomes the known values containing
 * it (`session_terms`: a few equality ranges of a time-ordered index instead of a LIKE on every
 * row), the hash prefix a range of a lower-cased pattern index, and the reason search reads the
 * narrow `session_text` table (trigram and pattern indexes on its lower-cased texts), on its own
 * when it holds every column the filter names (start, protocol, status, login). Totals the count
 * tables know exactly are read from them: the per-day counts (the partial days at the ends from the
 * time index) when no text filter applies, the known values' counts for one substring filter alone.
 */

type TermKey = keyof typeof TERM_COLUMNS;
const TEXT_TERM_KEYS = ['user', 'credential', 'device', 'originIp'] as const;
const ORDER = 'ORDER BY s.started_at DESC, s.id DESC';

/** The filter as conditions on `sessions s`; `values` holds their parameters ($1…). */
interface Conditions {
  /** `sessions s`, or `session_text s` when the reason search and what it narrows by are all. */
  table: string;
  terms: string[];
  values: unknown[];
  /** Whether only time, protocol, status and proxy conditions remain (the per-day counts know those). */
  countable: boolean;
  /** The protocol, status and proxy conditions alone, numbered from $1 (session_counts has them too). */
  low: { terms: string[]; values: unknown[] };
  /** The one substring filter, with the sessions it matches, when nothing else narrows the list. */
  loneTotal: number | null;
  /** The page's order (see `conditions`). */
  order: string;
}

interface KnownValues {
  values: string[];
  rows: number;
}

/** The smallest text after every text starting with `start` (byte order), or null if none. */
function prefixEnd(start: string): string | null {
  const chars = [...start];
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      return chars.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
    }
  }
  return null;
}

const whereOf = (terms: readonly string[]) => (terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`);

export class PgSessionSearch {
  constructor(private readonly sql: Executor) {}

  async search(
    filter: SessionFilter,
    visibility: Visibility,
    offset: number,
    limit: number,
  ): Promise<{ total: number; ids: number[] }> {
    const conditions = await this.conditions(filter, visibility);
    if (conditions === null) return { total: 0, ids: [] };
    const total = await this.count(filter, conditions);
    if (total <= offset) return { total, ids: [] };
    const { terms, values } = conditions;
    const rows = await this.sql.rows<{ id: number }>(
      `SELECT s.id FROM ${conditions.table} ${whereOf(terms)} ${conditions.order}
       LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, limit, offset],
    );
    return { total, ids: rows.map((r) => r.id) };
  }

  /**
   * Every matching session, newest first, in keyset pages: each batch resumes below the last row's
   * start and id, so no batch re-reads the ones before, and sessions starting after the export
   * began (newer than its first row) never enter it.
   */
  async *exportRows(
    filter: SessionFilter,
    visibility: Visibility,
    batchRows = EXPORT_BATCH_ROWS,
  ): AsyncGenerator<SessionExportRow[]> {
    const conditions = await this.conditions(filter, visibility, false);
    if (conditions === null) return;
    const { terms, values } = conditions;
    const n = values.length;
    const sql = `SELECT ${EXPORT_COLUMNS} FROM sessions s
      ${whereOf([...terms, `(s.started_at, s.id) < ($${n + 1}, $${n + 2})`])} ${ORDER} LIMIT $${n + 3}`;
    let cursor = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    for (;;) {
      const rows = await this.sql.rows<Record<string, unknown>>(sql, [...values, ...cursor, batchRows]);
      if (rows.length > 0) yield rows.map((r) => toExportRow(Object.values(r) as ExportTuple));
      if (rows.length < batchRows) return;
      const last = rows[rows.length - 1]!;
      cursor = [last.started_at as number, last.id as number];
    }
  }

  /** The filter's conditions, or null when no session can match. */
  private async conditions(
    filter: SessionFilter,
    visibility: Visibility,
    textTable = true,
  ): Promise<Conditions | null> {
    if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) return null;
    // The text table has the start, protocol, status and login beside the texts.
    const textOnly =
      textTable &&
      filter.q !== undefined &&
      visibility.kind === 'all' &&
      (['id', 'assignedTo', 'hash', 'credential', 'device', 'originIp', 'proxy'] as const).every(
        (k) => filter[k] === undefined,
      );
    const terms: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const low = { terms: [] as string[], values: [] as unknown[] };
    const lowParam = (value: unknown) => `$${low.values.push(value)}`;
    const both = (term: (p: (value: unknown) => string) => string) => {
      terms.push(term(param));
      low.terms.push(term(lowParam));
    };
    let countable = visibility.kind === 'all' && filter.id === undefined;
    if (visibility.kind === 'audited') {
      terms.push(
        `s.id IN (SELECT session_id FROM session_auditors WHERE user_id = ${param(visibility.userId)})`,
      );
    }
    if (filter.assignedTo !== undefined) {
      terms.push(
        `s.id IN (SELECT session_id FROM session_auditors WHERE user_id = ${param(filter.assignedTo)})`,
      );
      countable = false;
    }
    if (filter.id !== undefined) terms.push(`s.id = ${param(filter.id)}`);
    if (filter.hash !== undefined && filter.hash !== '') {
      // A range rather than LIKE: exact, so the index walk checks nothing more on each entry.
      const start = filter.hash.toLowerCase();
      terms.push(`lower(s.hash::text) ~>=~ ${param(start)}`);
      const end = prefixEnd(start);
      if (end !== null) terms.push(`lower(s.hash::text) ~<~ ${param(end)}`);
      countable = false;
    }
    const known: (KnownValues & { key: (typeof TEXT_TERM_KEYS)[number]; text: string })[] = [];
    let all: number | null = null;
    for (const key of TEXT_TERM_KEYS) {
      const text = filter[key];
      if (text === undefined) continue;
      const found = await this.knownValues(key, text);
      if (found.values.length === 0) return null;
      all ??= await this.allRows();
      // Every session matches (one letter all logins have): nothing to narrow, nothing to look up.
      if (found.rows < all) known.push({ ...found, key, text });
    }
    // The narrowest substring filter is an index range; the others are checked on its entries,
    // lower-cased once each (a CITEXT comparison lower-cases both sides, on every comparison).
    known.sort((a, b) => a.rows - b.rows);
    for (const [i, { key, text, values: found }] of known.entries()) {
      const column = `s.${TERM_COLUMNS[key]}`;
      terms.push(
        i === 0
          ? `${column} = ANY(${param(found)}::citext[])`
          : `lower(${column}::text) LIKE ${param(likeSubstring(text).toLowerCase())} ESCAPE '\\'`,
      );
      countable = false;
    }
    const { protocol, status } = filter;
    if (protocol !== undefined) both((p) => `s.protocol = ${p(protocol)}`);
    if (status !== undefined) both((p) => `s.status = ${p(status)}`);
    if (filter.proxy !== undefined) {
      const found = await this.knownValues('proxy', filter.proxy);
      if (found.values.length === 0) return null;
      both((p) => `s.proxy = ANY(${p(found.values)}::citext[])`);
    }
    if (filter.from !== undefined) terms.push(`s.started_at >= ${param(filter.from)}`);
    if (filter.to !== undefined) terms.push(`s.started_at <= ${param(filter.to)}`);
    if (filter.q !== undefined) {
      terms.push(
        textOnly
          ? qCondition(filter.q, param, 's')
          : `s.id IN (SELECT t.id FROM session_text t WHERE ${qCondition(filter.q, param, 't')})`,
      );
      countable = false;
    }
    const loneTotal = known.length === 1 && terms.length === 1 ? known[0]!.rows : null;
    const table = textOnly ? 'session_text s' : 'sessions s';
    // The narrowest filter down to one value: every match has it, so ordering by it first changes
    // nothing but tells the planner that its (value, start, id) index walked backwards is the
    // list order, read until the page is full (it would otherwise guess from its estimates, and
    // walk the whole time index when the other filters fool them).
    const [narrowest] = known;
    const order =
      narrowest?.values.length === 1 && !textOnly
        ? `ORDER BY s.${TERM_COLUMNS[narrowest.key]} DESC, s.started_at DESC, s.id DESC`
        : ORDER;
    return { table, terms, values, countable, low, loneTotal, order };
  }

  private async count(filter: SessionFilter, conditions: Conditions): Promise<number> {
    if (conditions.loneTotal !== null) return conditions.loneTotal;
    if (conditions.countable) return this.dayCount(filter, conditions);
    return this.rowCount(conditions.terms, conditions.values, conditions.table);
  }

  private async rowCount(
    terms: readonly string[],
    values: readonly unknown[],
    table = 'sessions s',
  ): Promise<number> {
    const [row] = await this.sql.rows<{ n: number }>(
      `SELECT count(*) AS n FROM ${table} ${whereOf(terms)}`,
      values,
    );
    return row?.n ?? 0;
  }

  /**
   * Exact total from the per-day counts for the whole days in the range, plus the rows of the
   * partial days at either end from the time index.
   */
  private async dayCount(filter: SessionFilter, conditions: Conditions): Promise<number> {
    const from = filter.from;
    const end = filter.to === undefined ? undefined : filter.to + 1;
    const firstDay = from === undefined ? undefined : Math.ceil(from / DAY_MS);
    const endDay = end === undefined ? undefined : Math.floor(end / DAY_MS);
    const { low } = conditions;
    if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay) {
      return this.rowCount(conditions.terms, conditions.values);
    }
    const dayTerms = [...low.terms];
    const dayValues = [...low.values];
    if (firstDay !== undefined) dayTerms.push(`day >= $${dayValues.push(firstDay)}`);
    if (endDay !== undefined) dayTerms.push(`day < $${dayValues.push(endDay)}`);
    const [days] = await this.sql.rows<{ n: number }>(
      `SELECT coalesce(sum(n), 0)::bigint AS n FROM session_counts s ${whereOf(dayTerms)}`,
      dayValues,
    );
    let total = days?.n ?? 0;
    const edge = (start: number, stop: number) =>
      this.rowCount(
        [
          ...low.terms,
          `s.started_at >= $${low.values.length + 1}`,
          `s.started_at < $${low.values.length + 2}`,
        ],
        [...low.values, start, stop],
      );
    if (from !== undefined && firstDay! * DAY_MS > from) total += await edge(from, firstDay! * DAY_MS);
    if (end !== undefined && endDay! * DAY_MS < end) total += await edge(endDay! * DAY_MS, end);
    return total;
  }

  /** Known values of a column containing `text`, and how many sessions have one of them. */
  private async knownValues(key: TermKey, text: string): Promise<KnownValues> {
    const rows = await this.sql.rows<{ value: string; n: number }>(
      `SELECT value::text AS value, n FROM session_terms
       WHERE field = $1 AND n > 0 AND value LIKE $2 ESCAPE '\\'`,
      [key, likeSubstring(text)],
    );
    return { values: rows.map((r) => r.value), rows: rows.reduce((sum, r) => sum + r.n, 0) };
  }

  private async allRows(): Promise<number> {
    const [row] = await this.sql.rows<{ n: number }>(
      'SELECT coalesce(sum(n), 0)::bigint AS n FROM session_counts',
    );
    return row?.n ?? 0;
  }
}

/**
 * Reason/justification search as on SQLite, on the lower-cased texts of `session_text s`: anywhere
 * from three characters (trigram indexes), from the start below that (pattern indexes).
 */
function qCondition(q: string, param: (value: unknown) => string, alias: string): string {
  const p = param((usesTrigrams(q) ? likeSubstring(q) : likePrefix(q)).toLowerCase());
  return `(${alias}.reason LIKE ${p} ESCAPE '\\' OR ${alias}.justification LIKE ${p} ESCAPE '\\')`;
}
