import type { StoredTextLine } from '../sessionText';

export interface TextLineRow {
  n: number;
  offset_ms: number;
  text: string;
}

export const textLineToStored = (row: TextLineRow): StoredTextLine => ({
  n: row.n,
  offsetMs: row.offset_ms,
  text: row.text,
});

/** Rows per DELETE while removing a session's text: big sessions never hold the database for long. */
export const TEXT_DELETE_CHUNK = 20_000;

/**
 * How a search query is matched: LIKE `like` (ASCII case-insensitive, the query's ASCII runs in
 * order, wildcards escaped) finds every line that may hold it; when the query has other letters,
 * only the lines whose case fold holds `folded` do.
 */
export interface TextQuery {
  like: string;
  /** The LIKE alone decides: the query is ASCII only. */
  asciiOnly: boolean;
  folded: string;
}

export function textQuery(query: string): TextQuery {
  const ascii = asciiRuns(query);
  return {
    like: `%${ascii.map(escapeLike).join('%')}%`,
    asciiOnly: ascii.join('') === query,
    folded: foldText(query),
  };
}

/** The case fold of the session text search on every engine: JavaScript's, for every letter. */
export function foldText(text: string): string {
  return text.toLowerCase();
}

/** The runs of ASCII characters of a text, in order. */
function asciiRuns(text: string): string[] {
  return text.match(/[^\u0080-\uffff]+/g) ?? [];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
