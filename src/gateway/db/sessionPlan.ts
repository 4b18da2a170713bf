import { DAY_MS } from './migrations';
import {
  likePrefix,
  likeSubstring,
  type Params,
  type TextKey,
  type TextMatch,
  type Where,
} from './sessionFilters';

/** The cost model of the session search planner (sessionSearch.ts) and its small helpers. */

/** Relative costs measured on SQLite 3.5x: visiting an index entry = 1. */
export const LOOKUP_COST = 25;
export const SORT_COST = 3;
/** Collecting one trigram match for a membership check, and checking an entry against them. */
export const TRIGRAM_SETUP_COST = 15;
export const ID_CHECK_COST = 8;
/** Checking `LIKE '%…%'` on a visited entry. */
export const LIKE_COST = 5;

export type DriverName = 'time' | 'status' | 'proxy' | 'q' | TextKey;

export interface Driver {
  name: DriverName;
  /**
   * Index entries the driver visits: exact or bucket-estimated; Infinity when a probe showed it
   * loses; null when it was not measured because it drives the count anyway (then the total, a
   * lower bound, stands in for it when planning the page).
   */
  rows: number | null;
  /** Whether rows of this driver need a table lookup to check the remaining filters. */
  lookups: boolean;
  /**
   * Whether the reason search is checked on the session id against the trigram matches (collected
   * once, `setup` entries) instead of on the looked-up row.
   */
  qIds?: TextMatch;
  /** For `q` on the trigram index: the search whose matches are looked up. */
  match?: TextMatch;
  /** Work before the first entry (collecting the trigram matches). */
  setup?: number;
  /** For `q`: the reason and justification indexes are read whole, each entry checked with LIKE. */
  scan?: boolean;
}

export interface TextDriver extends Driver {
  parts: { index: string; where: Where }[];
  specificity: number;
}

/** Rows per batch of an export (see SessionSearch.exportPlan). */
export const EXPORT_BATCH_ROWS = 2000;

/** Below this size a text range counts as narrow: probing that far costs well under a millisecond. */
export const SMALL_RANGE = 2048;

/** Typical value lengths, to judge how selective a typed prefix is. */
export const TYPICAL_LENGTH: Record<TextKey | 'q', number> = {
  hash: 32,
  user: 10,
  credential: 8,
  device: 10,
  originIp: 12,
  q: 12,
};

export interface Source {
  from: string;
  where: Where;
}

export const unitCost = (d: Driver) =>
  (d.lookups ? 1 + LOOKUP_COST : 1) +
  (d.qIds !== undefined ? ID_CHECK_COST : 0) +
  (d.scan === true ? LIKE_COST : 0);

/** An unmeasured driver (rows null) is the one chosen to drive the count. */
export function countCost(d: Driver): number {
  return d.rows === null ? 0 : (d.setup ?? 0) + d.rows * unitCost(d);
}

export function pageCost(d: Driver, total: number, needed: number): number {
  const rows = d.rows ?? total;
  if (d.name === 'time') {
    // Walks newest first and stops once the page is full.
    const visited = total === 0 ? rows : Math.min(rows, (needed * rows) / total);
    return (d.setup ?? 0) + visited * unitCost(d);
  }
  return (d.setup ?? 0) + rows * unitCost(d) + Math.min(total, rows) * SORT_COST;
}

/**
 * Exports read every match. The time index walks its whole range (with lookups for text filters);
 * another index walks its range once, sorts the matching ids and fetches each row by id.
 */
export function exportCost(d: Driver, total: number): number {
  const rows = d.rows ?? total;
  if (d.name === 'time') return (d.setup ?? 0) + rows * unitCost(d);
  return (d.setup ?? 0) + rows * unitCost(d) + total * (SORT_COST + LOOKUP_COST);
}

export function cheapest(drivers: Driver[], cost: (d: Driver) => number): Driver {
  return drivers.reduce((best, d) => (cost(d) < cost(best) ? d : best));
}

/**
 * Reason/justification search on their two indexes: short searches (see usesTrigrams) are two
 * ranges; a `scan` reads both indexes whole and checks each entry for the substring.
 */
export function qParts(q: string, exclusive = false, scan = false): { index: string; where: Where }[] {
  const pattern = scan ? likeSubstring(q) : likePrefix(q);
  const reason: Where = {
    terms: ['s.reason IS NOT NULL', "s.reason LIKE @q ESCAPE '\\'"],
    params: { q: pattern },
  };
  const justification: Where = {
    terms: [
      's.prevent_purge_justification IS NOT NULL',
      "s.prevent_purge_justification LIKE @q ESCAPE '\\'",
      ...(exclusive ? ["(s.reason IS NULL OR NOT s.reason LIKE @q ESCAPE '\\')"] : []),
    ],
    params: { q: pattern },
  };
  return [
    { index: 'sessions_reason', where: reason },
    { index: 'sessions_justification', where: justification },
  ];
}

export function dayOf(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms / DAY_MS);
}

export function dayWhere(first: number | undefined, last: number | undefined): Where {
  const terms: string[] = [];
  const params: Params = {};
  if (first !== undefined) {
    terms.push('day >= @firstDay');
    params.firstDay = first;
  }
  if (last !== undefined) {
    terms.push('day <= @lastDay');
    params.lastDay = last;
  }
  return { terms, params };
}
