import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { DAY_MS } from './migrations';
import {
  activeTextKeys,
  fullWhere,
  likeSubstring,
  textMatch,
  trigramIds,
  usesTrigrams,
  lowCardinalityWhere,
  merge,
  TEXT_FILTERS,
  textWhere,
  timeWhere,
  toExclusive,
  whereSql,
  type Params,
  type SessionFilter,
  type TextKey,
  type TextMatch,
  type Where,
} from './sessionFilters';
import {
  cheapest,
  countCost,
  dayOf,
  dayWhere,
  exportCost,
  pageCost,
  qParts,
  SMALL_RANGE,
  TRIGRAM_SETUP_COST,
  TYPICAL_LENGTH,
  unitCost,
  type Driver,
  type DriverName,
  type Source,
  type TextDriver,
} from './sessionPlan';
import type { Visibility } from './sessionTypes';

/**
 * Plans list queries over millions of sessions. Every index of the sessions table covers the
 * low-cardinality columns and the start time (the text indexes also each other's columns), so a
 * filter costs one index range plus, for filters the chosen index does not cover (hash, q), one
 * table lookup per visited entry. A substring filter becomes the few known values containing it
 * (`session_terms`), i.e. a few ranges of its index; the reason search uses the trigram index
 * (`session_text`), which also holds protocol, status and login so that it narrows by them itself
 * (and by an id range for a time range), and is checked on the session id where that saves the
 * lookups. The planner knows or estimates those ranges (term counts, trigram matches, day buckets
 * of `session_counts`, capped probes of hash ranges), then picks the cheapest index for the total
 * and, separately, for the page: newest-first pages of broad filters walk the time index and stop
 * early; narrow filters sort their few matches.
 */

/**
 * An export's reading plan. `keyset`: run `sql` with @cursorAt/@cursorId (the last row's start and
 * id, MAX_SAFE_INTEGER first) and @batch until it returns fewer rows. `ids`: run `idsSql` once for
 * every id in order, then `rowsSql` with @ids (a JSON array) per batch; its rows come unordered.
 */
export type ExportPlan =
  | { kind: 'keyset'; sql: string; params: Params }
  | { kind: 'ids'; idsSql: string; rowsSql: string; params: Params };

export interface SearchResult {
  total: number;
  ids: number[];
}

const ORDER = 'ORDER BY s.started_at DESC, s.id DESC';

/** Trigram matches up to this many are collected once rather than searched for again. */
const FEW_MATCHES = 2048;

/** Text filters looked up among the known values (`session_terms`). */
type TermKey = Exclude<TextKey, 'hash'>;

const DRIVER_INDEX: Record<Exclude<DriverName, 'q'>, string> = {
  time: 'sessions_time',
  status: 'sessions_status',
  proxy: 'sessions_proxy',
  ...Object.fromEntries(Object.entries(TEXT_FILTERS).map(([k, v]) => [k, v.index])),
} as Record<Exclude<DriverName, 'q'>, string>;

export class SessionSearch {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  search(filter: SessionFilter, visibility: Visibility, offset: number, limit: number): SearchResult {
    const special = this.specialSource(filter, visibility);
    if (special !== null) {
      const total = this.scalar(
        `SELECT count(*) AS n FROM ${special.from} ${whereSql(special.where)}`,
        special.where.params,
      );
      const ids = total <= offset ? [] : this.ids(special, offset, limit);
      return { total, ids };
    }
    if (this.isEmptyRange(filter)) return { total: 0, ids: [] };
    filter = this.withoutVacuous(filter);
    const drivers = this.drivers(filter);
    const total = this.count(filter, drivers);
    if (total <= offset) return { total, ids: [] };
    const driver = cheapest(drivers, (d) => pageCost(d, total, offset + limit));
    const ids = this.ids(this.source(driver, filter), offset, limit);
    return { total, ids };
  }

  /**
   * How to read every matching row, newest first, in batches. A walk of the time index resumes
   * after a cursor (keyset); any other source sorts its matching ids once, then rows are read by id.
   */
  exportPlan(filter: SessionFilter, visibility: Visibility, columns: string): ExportPlan {
    let source = this.specialSource(filter, visibility);
    let keyset = false;
    if (source === null) {
      filter = this.withoutVacuous(filter);
      const drivers = this.drivers(filter);
      const total = this.count(filter, drivers);
      const driver = cheapest(drivers, (d) => exportCost(d, total));
      source = this.source(driver, filter);
      keyset = driver.name === 'time';
    }
    if (keyset) {
      const where = merge(source.where, {
        terms: ['(s.started_at, s.id) < (@cursorAt, @cursorId)'],
        params: {},
      });
      return {
        kind: 'keyset',
        sql: `SELECT ${columns} FROM ${source.from} ${whereSql(where)} ${ORDER} LIMIT @batch`,
        params: where.params,
      };
    }
    return {
      kind: 'ids',
      idsSql: `SELECT s.id FROM ${source.from} ${whereSql(source.where)} ${ORDER}`,
      rowsSql: `SELECT ${columns} FROM sessions s WHERE s.id IN (SELECT value FROM json_each(@ids))`,
      params: source.where.params,
    };
  }

  private ids(source: Source, offset: number, limit: number): number[] {
    const sql = `SELECT s.id AS id FROM ${source.from} ${whereSql(source.where)} ${ORDER} LIMIT @limit OFFSET @offset`;
    const rows = this.prepare(sql).all({ ...source.where.params, limit, offset }) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /**
   * Exact id lookups and one auditor's sessions (scoped auditors, "Assigned to me") touch few rows:
   * SQLite's own plan is right for them, driven by the auditor's entries of `session_auditors`.
   */
  private specialSource(filter: SessionFilter, visibility: Visibility): Source | null {
    const auditor = visibility.kind === 'audited' ? visibility.userId : filter.assignedTo;
    if (auditor !== undefined) {
      const terms = ['a.user_id = @viewer'];
      const params: Params = { viewer: auditor };
      if (filter.assignedTo !== undefined && filter.assignedTo !== auditor) {
        terms.push('s.id IN (SELECT session_id FROM session_auditors WHERE user_id = @assignee)');
        params.assignee = filter.assignedTo;
      }
      const where = merge({ terms, params }, fullWhere(filter));
      return { from: 'session_auditors a CROSS JOIN sessions s ON s.id = a.session_id', where };
    }
    if (filter.id !== undefined) return { from: 'sessions s', where: fullWhere(filter) };
    return null;
  }

  private isEmptyRange(filter: SessionFilter): boolean {
    return filter.from !== undefined && filter.to !== undefined && filter.from > filter.to;
  }

  private drivers(filter: SessionFilter): Driver[] {
    const textKeys = activeTextKeys(filter);
    const hasQ = filter.q !== undefined;
    const anyText = textKeys.length > 0 || hasQ;
    const time: Driver = {
      name: 'time',
      rows: this.bucketRows({ from: filter.from, to: filter.to }),
      lookups: anyText,
    };
    const drivers: Driver[] = [time];
    if (filter.status !== undefined) {
      const rows = this.bucketRows({ status: filter.status, protocol: filter.protocol });
      drivers.push({ name: 'status', rows, lookups: anyText });
    }
    if (filter.proxy !== undefined) {
      const rows = this.bucketRows({ proxy: filter.proxy, protocol: filter.protocol, status: filter.status });
      drivers.push({ name: 'proxy', rows, lookups: anyText });
    }
    if (!anyText) return drivers;
    const q = filter.q;
    let match = q !== undefined && usesTrigrams(q) ? this.textMatch(filter, time.rows!) : null;
    let trigramRows: number | null = null;
    if (match !== null) {
      const matches = trigramIds(match);
      // A few matches are kept: the count and the page then read them instead of searching again.
      const few = this.prepare(`${matches.sql} LIMIT ${FEW_MATCHES + 1}`)
        .pluck()
        .all(matches.params) as number[];
      if (few.length <= FEW_MATCHES) match = { ...match, ids: JSON.stringify(few) };
      trigramRows =
        few.length <= FEW_MATCHES
          ? few.length
          : this.scalar(`SELECT count(*) AS n FROM (${matches.sql})`, matches.params);
    }
    const qIds = match ?? undefined;
    // With the reason search alone among the text filters, these indexes (which hold the id) can
    // check it against the trigram matches instead of looking each row up.
    const trigramSetup = trigramRows === null ? 0 : TRIGRAM_SETUP_COST * trigramRows;
    if (trigramRows !== null && textKeys.length === 0) {
      for (const d of [...drivers]) drivers.push({ ...d, lookups: false, qIds, setup: trigramSetup });
      // Or read the reason and justification indexes whole: they also hold the other columns.
      drivers.push({ name: 'q', rows: this.textEntries(), lookups: false, scan: true });
    }

    const allRows = filter.from === undefined && filter.to === undefined ? time.rows! : this.bucketRows({});
    const texts: TextDriver[] = textKeys.map((key) => ({
      name: key,
      // Substring filters know their range exactly from the term counts; the hash prefix is probed.
      rows: key === 'hash' ? null : this.termRows(key, filter[key]!),
      // Text indexes cover each other's columns, except the hash and the reason/justification
      // (found by id when the trigram index serves them: every index entry holds the id).
      lookups:
        (hasQ && trigramRows === null) ||
        (textKeys.length > 1 && (key === 'hash' || textKeys.includes('hash'))),
      ...(trigramRows === null ? {} : { qIds, setup: trigramSetup }),
      parts: [{ index: TEXT_FILTERS[key].index, where: textWhere(key, filter[key]!, true) }],
      specificity: filter[key]!.length / TYPICAL_LENGTH[key],
    }));
    if (q !== undefined) {
      texts.push({
        name: 'q',
        rows: trigramRows,
        // Trigram matches are ids: their start times (for the order) are in the table rows.
        lookups: trigramRows !== null || textKeys.length > 0,
        ...(trigramRows === null ? {} : { setup: trigramSetup, match: qIds }),
        parts: qParts(q),
        specificity: q.length / TYPICAL_LENGTH.q,
      });
    }
    // A probe costs as much as the range it walks, so it stops where the range would lose anyway:
    // against the bucket-estimated drivers and, with several text filters, at a size that only
    // tells narrow ranges from broad ones. A lone text filter no driver can beat is not probed.
    const bucketBest = Math.min(...drivers.map(countCost));
    let best = Math.min(bucketBest, ...texts.filter((d) => d.rows !== null).map(countCost));
    const several = texts.length > 1;
    for (const d of texts) {
      if (d.rows !== null) continue;
      const cap = Math.min(Math.floor(best / unitCost(d)), several ? SMALL_RANGE : Number.POSITIVE_INFINITY);
      if (cap >= allRows) continue;
      d.rows = this.rangeAtMost(d.parts, cap);
      if (Number.isFinite(d.rows)) best = Math.min(best, countCost(d));
    }
    // Only broad ranges left (none narrow, buckets cannot win): the most specific prefix drives,
    // unmeasured; the others are ruled out.
    const broad = texts.filter((d) => d.rows === null || d.rows === Number.POSITIVE_INFINITY);
    const narrowExists = best < bucketBest || texts.some((d) => d.rows !== null && Number.isFinite(d.rows));
    const bucketsWin = texts.every((d) => bucketBest < SMALL_RANGE * unitCost(d));
    const chosen =
      narrowExists || bucketsWin
        ? null
        : broad.reduce((a, d) => (d.specificity > a.specificity ? d : a), broad[0]!);
    for (const d of broad) d.rows = d === chosen ? null : Number.POSITIVE_INFINITY;
    if (chosen !== null && Math.floor(bucketBest / unitCost(chosen)) < allRows) {
      chosen.rows = this.rangeAtMost(chosen.parts, Math.floor(bucketBest / unitCost(chosen)));
    }
    return [...drivers, ...texts.map(({ parts: _parts, specificity: _specificity, ...driver }) => driver)];
  }

  /** The exact number of entries in the index ranges, or Infinity when there are more than `cap`. */
  private rangeAtMost(parts: { index: string; where: Where }[], cap: number): number {
    let rows = 0;
    for (const part of parts) {
      const from = `FROM sessions s INDEXED BY ${part.index} ${whereSql(part.where)}`;
      const left = cap - rows;
      if (
        this.prepare(`SELECT 1 ${from} LIMIT 1 OFFSET @left`).get({ ...part.where.params, left }) !==
        undefined
      ) {
        return Number.POSITIVE_INFINITY;
      }
      rows += this.scalar(`SELECT count(*) AS n ${from}`, part.where.params);
    }
    return rows;
  }

  private count(filter: SessionFilter, drivers: Driver[]): number {
    const anyText = activeTextKeys(filter).length > 0 || filter.q !== undefined;
    if (!anyText) return this.bucketCount(filter);
    // A lone substring filter was counted exactly while planning (term counts, trigram matches).
    const lone = drivers.find((d) => this.isLoneExact(d, filter));
    if (lone !== undefined) return lone.rows!;
    const driver = cheapest(drivers, countCost);
    if (driver.name === 'q' && (driver.scan === true || !usesTrigrams(filter.q!))) {
      // Reason matches plus justification-only matches: two index ranges, no union to build.
      const rest = fullWhere(filter, { skipQ: true });
      const [reason, justification] = qParts(filter.q!, true, driver.scan).map((p) => merge(p.where, rest));
      const sql =
        `SELECT (SELECT count(*) FROM sessions s INDEXED BY sessions_reason ${whereSql(reason!)}) + ` +
        `(SELECT count(*) FROM sessions s INDEXED BY sessions_justification ${whereSql(justification!)}) AS n`;
      return this.scalar(sql, { ...reason!.params, ...justification!.params });
    }
    const source = this.source(driver, filter);
    return this.scalar(
      `SELECT count(*) AS n FROM ${source.from} ${whereSql(source.where)}`,
      source.where.params,
    );
  }

  /** Whether `driver` is the filter's only condition and its rows are that condition's exact count. */
  private isLoneExact(driver: Driver, filter: SessionFilter): boolean {
    if (driver.rows === null || !Number.isFinite(driver.rows)) return false;
    if (driver.name === 'q') {
      // The trigram index holds protocol and status too: an exact search of it counts them.
      const { protocol: _protocol, status: _status, ...rest } = filter;
      const exact = driver.match?.exact === true && driver.match.lo === undefined;
      return exact && fullWhere(rest, { skipQ: true }).terms.length === 0;
    }
    if (!(driver.name in TEXT_FILTERS) || driver.name === 'hash') return false;
    return fullWhere(filter, { skip: [driver.name as TextKey] }).terms.length === 0;
  }

  /**
   * Drops substring filters every session matches (e.g. one letter all logins contain): they
   * cannot narrow anything and would only make the planner walk a whole text index.
   */
  private withoutVacuous(filter: SessionFilter): SessionFilter {
    const keys = activeTextKeys(filter).filter((k) => k !== 'hash');
    if (keys.length === 0) return filter;
    const all = this.bucketRows({});
    const out = { ...filter };
    for (const key of keys) if (this.termRows(key as TermKey, filter[key]!) >= all) delete out[key];
    return out;
  }

  private source(driver: Driver, filter: SessionFilter): Source {
    if (driver.name !== 'q') {
      return {
        from: `sessions s INDEXED BY ${DRIVER_INDEX[driver.name]}`,
        where: fullWhere(filter, { qIds: driver.qIds, seek: driver.name }),
      };
    }
    const rest = fullWhere(filter, { skipQ: true });
    if (usesTrigrams(filter.q!) && driver.scan !== true) {
      // Drive from the matching ids (rowid lookups), never from a scan of an index of sessions.
      const matches = trigramIds(driver.match!);
      const ids = { terms: [`s.id IN (${matches.sql})`], params: matches.params };
      return { from: 'sessions s NOT INDEXED', where: merge(ids, rest) };
    }
    const [reason, justification] = qParts(filter.q!, true, driver.scan).map((p) => merge(p.where, rest));
    const ids =
      `SELECT s.id FROM sessions s INDEXED BY sessions_reason ${whereSql(reason!)} UNION ALL ` +
      `SELECT s.id FROM sessions s INDEXED BY sessions_justification ${whereSql(justification!)}`;
    return {
      from: 'sessions s',
      where: { terms: [`s.id IN (${ids})`], params: { ...reason!.params, ...justification!.params } },
    };
  }

  /**
   * The trigram search for the filter. A time range narrows it to the ids of the sessions in that
   * range (their smallest and largest, read off the time index): sessions are stored about in start
   * order, so few matches outside the range remain, and those are checked on the row. Worth it
   * while the range is a small part of all sessions.
   */
  private textMatch(filter: SessionFilter, timeRows: number): TextMatch {
    const m = textMatch(filter);
    if (filter.from === undefined && filter.to === undefined) return m;
    if (timeRows > this.bucketRows({}) / 4) return m;
    const where = timeWhere(filter.from, toExclusive(filter));
    const range = this.prepare(
      `SELECT min(s.id) AS lo, max(s.id) AS hi FROM sessions s INDEXED BY sessions_time ${whereSql(where)}`,
    ).get(where.params) as { lo: number | null; hi: number | null };
    return { ...m, lo: range.lo ?? 1, hi: range.hi ?? 0 };
  }

  /** Entries of the reason and justification indexes (kept by triggers beside the terms). */
  private textEntries(): number {
    return this.scalar(
      "SELECT coalesce(sum(n), 0) AS n FROM session_terms WHERE field IN ('reason', 'justification') AND value = ''",
      {},
    );
  }

  /** Sessions whose `key` column contains `text`: the sum of the matching terms' counts. */
  private termRows(key: TermKey, text: string): number {
    return this.scalar(
      `SELECT coalesce(sum(n), 0) AS n FROM session_terms
       WHERE field = @field AND n > 0 AND value LIKE @pattern ESCAPE '\\'`,
      { field: key, pattern: likeSubstring(text) },
    );
  }

  /** Rows per the day buckets, widened to whole days: an estimate for planning. */
  private bucketRows(filter: SessionFilter): number {
    const where = merge(lowCardinalityWhere(filter, ''), dayWhere(dayOf(filter.from), dayOf(filter.to)));
    return this.scalar(
      `SELECT coalesce(sum(n), 0) AS n FROM session_counts ${whereSql(where)}`,
      where.params,
    );
  }

  /** Exact total for filters without text: whole days from buckets, partial days from the time index. */
  private bucketCount(filter: SessionFilter): number {
    const low = lowCardinalityWhere(filter, '');
    const from = filter.from;
    const to = toExclusive(filter);
    const firstDay = from === undefined ? undefined : Math.ceil(from / DAY_MS);
    const endDay = to === undefined ? undefined : Math.floor(to / DAY_MS);
    if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay)
      return this.timeRangeCount(filter, from, to);
    const days = merge(low, dayWhere(firstDay, endDay === undefined ? undefined : endDay - 1));
    let total = this.scalar(
      `SELECT coalesce(sum(n), 0) AS n FROM session_counts ${whereSql(days)}`,
      days.params,
    );
    if (from !== undefined && firstDay! * DAY_MS > from)
      total += this.timeRangeCount(filter, from, firstDay! * DAY_MS);
    if (to !== undefined && endDay! * DAY_MS < to) total += this.timeRangeCount(filter, endDay! * DAY_MS, to);
    return total;
  }

  private timeRangeCount(filter: SessionFilter, from: number | undefined, to: number | undefined): number {
    const where = merge(lowCardinalityWhere(filter, 's.'), timeWhere(from, to));
    return this.scalar(
      `SELECT count(*) AS n FROM sessions s INDEXED BY sessions_time ${whereSql(where)}`,
      where.params,
    );
  }

  private scalar(sql: string, params: Params): number {
    return (this.prepare(sql).get(params) as { n: number }).n;
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
