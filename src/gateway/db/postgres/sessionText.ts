import type { AsyncRepository } from '../asyncStore';
import {
  TEXT_DELETE_CHUNK,
  foldText,
  textLineToStored,
  textQuery,
  type TextLineRow,
} from '../rows/sessionText';
import type { SessionTextRepository, SessionTextState, StoredTextLine } from '../sessionText';
import type { Executor } from './connection';
import { PgSearchIndexRepository } from './searchIndex';

/**
 * ASCII-only case-insensitive LIKE, as SQLite's: under the "C" collation PostgreSQL lower-cases
 * ASCII letters only, whatever the database's locale. `$2` is the pattern.
 */
const LIKE = `text COLLATE "C" ILIKE $2 ESCAPE '\\'`;

/** Candidate lines read per round trip when a query's other letters are checked here. */
const FOLD_BATCH = 5_000;

/**
 * The terminal text of finished sessions on PostgreSQL. As on SQLite, lines are written in
 * batches and `session_logs_built` last; readers go by that row, so they never see a half-built
 * text, and removing a text forgets that row first.
 */
export class PgSessionTextRepository implements AsyncRepository<SessionTextRepository> {
  constructor(private readonly sql: Executor) {}

  async state(sessionId: number): Promise<SessionTextState | null> {
    const [row] = await this.sql.rows<SessionTextState>(
      'SELECT status, lines, message, version FROM session_logs_built WHERE session_id = $1',
      [sessionId],
    );
    return row ?? null;
  }

  /**
   * Forgets the built marker and the text's search index entries, then removes one chunk of lines;
   * true while lines remain.
   */
  removeSome(sessionId: number): Promise<boolean> {
    return this.sql.atomic(async (tx) => {
      await tx.run('DELETE FROM session_logs_built WHERE session_id = $1', [sessionId]);
      await new PgSearchIndexRepository(tx).forgetLines(sessionId, [{ n: 0, text: '' }]);
      const removed = await tx.run(
        `DELETE FROM session_log_lines WHERE session_id = $1 AND n IN
           (SELECT n FROM session_log_lines WHERE session_id = $1 ORDER BY n LIMIT ${TEXT_DELETE_CHUNK})`,
        [sessionId],
      );
      return removed === TEXT_DELETE_CHUNK;
    });
  }

  /** One statement for the whole batch. */
  async appendLines(
    sessionId: number,
    firstN: number,
    lines: readonly { offsetMs: number; text: string }[],
  ): Promise<void> {
    if (lines.length === 0) return;
    await this.sql.run(
      `INSERT INTO session_log_lines (session_id, n, offset_ms, text)
       SELECT $1, n, o, t FROM unnest($2::int[], $3::bigint[], $4::text[]) AS l(n, o, t)`,
      [sessionId, lines.map((_, i) => firstN + i), lines.map((l) => l.offsetMs), lines.map((l) => l.text)],
    );
  }

  async markBuilt(sessionId: number, state: SessionTextState, at: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO session_logs_built (session_id, status, lines, message, version, built_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, lines = excluded.lines,
         message = excluded.message, version = excluded.version, built_at = excluded.built_at`,
      [sessionId, state.status, state.lines, state.message, state.version, at],
    );
  }

  async page(sessionId: number, offset: number, limit: number): Promise<StoredTextLine[]> {
    const rows = await this.sql.rows<TextLineRow>(
      `SELECT n, offset_ms, text FROM session_log_lines
       WHERE session_id = $1 AND n >= $2 AND n < $3 ORDER BY n`,
      [sessionId, offset, offset + limit],
    );
    return rows.map(textLineToStored);
  }

  /**
   * Lines holding `query` ignoring case, in text order: the first `limit` of `total`, matched as on
   * SQLite. An ASCII query is matched here by LIKE alone. A query with other letters is checked
   * with the same JavaScript case fold as on SQLite (the server's lower() follows its locale),
   * on the lines LIKE finds holding its ASCII characters in order.
   */
  async search(
    sessionId: number,
    query: string,
    limit: number,
  ): Promise<{ total: number; items: StoredTextLine[] }> {
    const terms = textQuery(query);
    if (!terms.asciiOnly) return this.searchFolded(sessionId, terms.like, terms.folded, limit);
    // The count runs over every match before LIMIT keeps the first ones: one scan for both.
    const rows = await this.sql.rows<TextLineRow & { total: number }>(
      `SELECT n, offset_ms, text, count(*) OVER () AS total FROM session_log_lines
       WHERE session_id = $1 AND ${LIKE} ORDER BY n LIMIT $3`,
      [sessionId, terms.like, limit],
    );
    return { total: rows[0]?.total ?? 0, items: rows.map(textLineToStored) };
  }

  /** Reads the candidates in key order, a batch at a time, keeping the first `limit` that fold. */
  private async searchFolded(
    sessionId: number,
    like: string,
    folded: string,
    limit: number,
  ): Promise<{ total: number; items: StoredTextLine[] }> {
    const items: StoredTextLine[] = [];
    let total = 0;
    let after = -1;
    for (;;) {
      const batch = await this.sql.rows<TextLineRow>(
        `SELECT n, offset_ms, text FROM session_log_lines
         WHERE session_id = $1 AND n > $3 AND ${LIKE} ORDER BY n LIMIT ${FOLD_BATCH}`,
        [sessionId, like, after],
      );
      for (const row of batch) {
        if (!foldText(row.text).includes(folded)) continue;
        total++;
        if (items.length < limit) items.push(textLineToStored(row));
      }
      if (batch.length < FOLD_BATCH) return { total, items };
      after = batch[batch.length - 1]!.n;
    }
  }
}
