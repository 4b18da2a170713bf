import type { Db } from './database';
import { SearchIndexRepository } from './searchIndex';

export interface SessionTextState {
  status: 'ready' | 'unavailable';
  lines: number;
  message: string | null;
  /** The extractor version that built it: an older one is rebuilt. */
  version: number;
}

export interface StoredTextLine {
  n: number;
  offsetMs: number;
  text: string;
}

interface LineRow {
  n: number;
  offset_ms: number;
  text: string;
}

/** Rows per DELETE while removing a session's text: big sessions never hold the database for long. */
const DELETE_CHUNK = 20_000;

/**
 * The terminal text of finished sessions (`session_log_lines`) and whether it was built
 * (`session_logs_built`). Lines are written in batches while the text is built; readers go only
 * by a `session_logs_built` row, written last, so they never see a half-built text.
 */
export class SessionTextRepository {
  private readonly searchIndex: SearchIndexRepository;

  constructor(private readonly db: Db) {
    this.searchIndex = new SearchIndexRepository(db);
    db.function(FOLD_FUNCTION, { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? text.toLowerCase() : text,
    );
  }

  state(sessionId: number): SessionTextState | null {
    const row = this.db
      .prepare('SELECT status, lines, message, version FROM session_logs_built WHERE session_id = ?')
      .get(sessionId) as SessionTextState | undefined;
    return row ?? null;
  }

  /**
   * Forgets the built marker, then removes one chunk of lines with their search index entries
   * (which go by their words); true while lines remain.
   */
  removeSome(sessionId: number): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM session_logs_built WHERE session_id = ?').run(sessionId);
      const chunk = this.db
        .prepare(
          `SELECT n, text FROM session_log_lines WHERE session_id = ? ORDER BY n LIMIT ${DELETE_CHUNK}`,
        )
        .all(sessionId) as { n: number; text: string }[];
      if (chunk.length === 0) return false;
      this.searchIndex.forgetLines(sessionId, chunk);
      const { changes } = this.db
        .prepare('DELETE FROM session_log_lines WHERE session_id = ? AND n <= ?')
        .run(sessionId, chunk[chunk.length - 1]!.n);
      return changes === DELETE_CHUNK;
    })();
  }

  appendLines(sessionId: number, firstN: number, lines: readonly { offsetMs: number; text: string }[]): void {
    const insert = this.db.prepare(
      'INSERT INTO session_log_lines (session_id, n, offset_ms, text) VALUES (?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      lines.forEach((l, i) => insert.run(sessionId, firstN + i, l.offsetMs, l.text));
    })();
  }

  markBuilt(sessionId: number, state: SessionTextState, at: number): void {
    this.db
      .prepare(
        `INSERT INTO session_logs_built (session_id, status, lines, message, version, built_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, lines = excluded.lines,
           message = excluded.message, version = excluded.version, built_at = excluded.built_at`,
      )
      .run(sessionId, state.status, state.lines, state.message, state.version, at);
  }

  page(sessionId: number, offset: number, limit: number): StoredTextLine[] {
    return (
      this.db
        .prepare(
          `SELECT n, offset_ms, text FROM session_log_lines
           WHERE session_id = ? AND n >= ? AND n < ? ORDER BY n`,
        )
        .all(sessionId, offset, offset + limit) as LineRow[]
    ).map(toLine);
  }

  /**
   * Lines holding `query` ignoring case, in text order: the first `limit` of `total`. The query is
   * literal text: `%`, `_` and `\\` are escaped, never patterns. LIKE ignores the case of ASCII
   * letters; a query with other letters is checked with a JavaScript case fold, only on the lines
   * that LIKE finds holding its ASCII characters in order.
   */
  search(sessionId: number, query: string, limit: number): { total: number; items: StoredTextLine[] } {
    const folded = query.toLowerCase();
    const ascii = asciiRuns(query);
    const where =
      ascii.join('') === query
        ? `text LIKE @like ESCAPE '\\'`
        : `text LIKE @like ESCAPE '\\' AND instr(${FOLD_FUNCTION}(text), @folded) > 0`;
    const params = { id: sessionId, like: `%${ascii.map(escapeLike).join('%')}%`, folded };
    // One scan: the numbers of every matching line (the total), then the first `limit` lines by key.
    const matching = this.db
      .prepare(`SELECT n FROM session_log_lines WHERE session_id = @id AND ${where} ORDER BY n`)
      .pluck()
      .all(params) as number[];
    const total = matching.length;
    const items =
      total === 0
        ? []
        : (
            this.db
              .prepare(
                `SELECT n, offset_ms, text FROM session_log_lines
                 WHERE session_id = ? AND n IN (SELECT value FROM json_each(?)) ORDER BY n`,
              )
              .all(sessionId, JSON.stringify(matching.slice(0, limit))) as LineRow[]
          ).map(toLine);
    return { total, items };
  }
}

/** The runs of ASCII characters of a text, in order. */
function asciiRuns(text: string): string[] {
  return text.match(/[^\u0080-\uffff]+/g) ?? [];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** SQLite's lower() folds ASCII only; this folds every letter (JavaScript's toLowerCase). */
const FOLD_FUNCTION = 'vigil_fold';

function toLine(row: LineRow): StoredTextLine {
  return { n: row.n, offsetMs: row.offset_ms, text: row.text };
}
