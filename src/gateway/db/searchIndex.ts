import { searchWords } from '../../shared/searchTokens';
import type { Db } from './database';
import {
  COMMAND_MARK_KEY,
  KEY_SHIFT,
  MAX_INDEXED_COMMANDS,
  MAX_INDEXED_LINES,
  commandKey,
  lineKey,
  sessionKeys,
  type CommandToIndex,
  type SearchArgs,
  type SessionHits,
  type TextMark,
  type TextToSync,
} from './rows/searchIndex';
import { likeSubstring } from './sessionFilters';
import type { StoredTextLine } from './sessionText';

/** Lines taken out of the index per transaction. */
const FORGET_CHUNK = 5_000;

/**
 * The word index of search across sessions on SQLite: an FTS5 table without content of its own
 * (`search_index`, fed with words already folded by the shared tokenizer, one row per typed
 * command or text line, keyed as rows/searchIndex.ts says) and what it holds of each session
 * (`search_marks`: the last command id, and which lines of the text are in). A row
 * of such a table is removed by giving its words again, so the mark must always be exact: a row
 * removed that was never added would corrupt the index.
 */
export class SearchIndexRepository {
  constructor(private readonly db: Db) {}

  /** The highest command id indexed so far. */
  commandMark(): number {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(COMMAND_MARK_KEY) as
      { value: string } | undefined;
    return row === undefined ? 0 : Number(row.value);
  }

  /** Typed commands after `afterId`, in id order. */
  pendingCommands(afterId: number, limit: number): CommandToIndex[] {
    return this.db
      .prepare(
        `SELECT id, session_id AS sessionId, command FROM session_commands WHERE id > ? ORDER BY id LIMIT ?`,
      )
      .all(afterId, limit) as CommandToIndex[];
  }

  /**
   * Indexes commands (in id order) not indexed yet and moves the command mark to `mark`, in one
   * transaction. A command's key holds its place among its session's commands.
   */
  addCommands(commands: readonly CommandToIndex[], mark: number): number {
    const lastOf = this.db.prepare('SELECT last_command_id FROM search_marks WHERE session_id = ?').pluck();
    const before = this.db
      .prepare('SELECT count(*) FROM session_commands WHERE session_id = ? AND id < ?')
      .pluck();
    const insert = this.db.prepare('INSERT INTO search_index (rowid, words) VALUES (?, ?)');
    const setLast = this.db.prepare(
      `INSERT INTO search_marks (session_id, last_command_id) VALUES (?, ?)
       ON CONFLICT (session_id) DO UPDATE SET last_command_id = max(last_command_id, excluded.last_command_id)`,
    );
    return this.db.transaction(() => {
      const sessions = new Map<number, { last: number; next: number | null }>();
      let added = 0;
      for (const c of commands) {
        let s = sessions.get(c.sessionId);
        if (s === undefined) {
          s = { last: (lastOf.get(c.sessionId) as number | undefined) ?? 0, next: null };
          sessions.set(c.sessionId, s);
        }
        if (c.id <= s.last) continue;
        s.next ??= before.get(c.sessionId, c.id) as number;
        const ordinal = s.next++;
        s.last = c.id;
        const words = searchWords(c.command);
        if (ordinal < MAX_INDEXED_COMMANDS && words.length > 0) {
          insert.run(commandKey(c.sessionId, ordinal), words.join(' '));
          added++;
        }
      }
      for (const [sessionId, s] of sessions) setLast.run(sessionId, s.last);
      this.db
        .prepare(
          `INSERT INTO meta (key, value) VALUES (?, ?)
           ON CONFLICT (key) DO UPDATE SET value = CAST(max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`,
        )
        .run(COMMAND_MARK_KEY, String(mark));
      return added;
    })();
  }

  textMark(sessionId: number): TextMark {
    const row = this.db
      .prepare('SELECT text_version AS version, text_lines AS lines FROM search_marks WHERE session_id = ?')
      .get(sessionId) as TextMark | undefined;
    return row ?? { version: null, lines: 0 };
  }

  /** Sessions whose built text is not what the index holds of it (built, rebuilt or removed since). */
  textsToSync(limit: number): TextToSync[] {
    return this.db
      .prepare(
        `SELECT b.session_id AS sessionId, b.version AS version, b.lines AS lines
           FROM session_logs_built b LEFT JOIN search_marks m ON m.session_id = b.session_id
          WHERE b.status = 'ready'
            AND (m.text_version IS NULL OR m.text_version <> b.version OR m.text_lines <> b.lines)
         UNION ALL
         SELECT m.session_id, NULL, 0 FROM search_marks m
          WHERE (m.text_version IS NOT NULL OR m.text_lines <> 0) AND NOT EXISTS
            (SELECT 1 FROM session_logs_built b WHERE b.session_id = m.session_id AND b.status = 'ready')
         LIMIT ?`,
      )
      .all(limit) as TextToSync[];
  }

  /**
   * Indexes up to `count` lines of a session's text from line `from`, where its indexed prefix ends,
   * and marks them, in one transaction: the mark always says exactly which lines are in the index.
   * The lines are read here, in the same transaction, so they are the ones the mark then names.
   * Returns how many were read, or -1 when the prefix no longer ends at `from` (removed meanwhile).
   */
  addTextLines(sessionId: number, from: number, count: number): number {
    const insert = this.db.prepare('INSERT INTO search_index (rowid, words) VALUES (?, ?)');
    return this.db.transaction(() => {
      const mark = this.textMark(sessionId);
      if (mark.version !== null || mark.lines !== from || this.indexedLines(sessionId).first !== 0) return -1;
      const lines = this.db
        .prepare('SELECT n, text FROM session_log_lines WHERE session_id = ? AND n >= ? AND n < ? ORDER BY n')
        .all(sessionId, from, from + count) as { n: number; text: string }[];
      if (lines.length === 0) return 0;
      for (const line of lines) {
        const words = indexedWords(line);
        if (words !== null) insert.run(lineKey(sessionId, line.n), words);
      }
      this.db
        .prepare(
          `INSERT INTO search_marks (session_id, text_version, text_lines) VALUES (?, NULL, ?)
           ON CONFLICT (session_id) DO UPDATE SET text_version = NULL, text_lines = excluded.text_lines`,
        )
        .run(sessionId, lines[lines.length - 1]!.n + 1);
      return lines.length;
    })();
  }

  /** Marks the text wholly indexed, if its indexed prefix is still all of its `lines`. */
  completeText(sessionId: number, version: number, lines: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE search_marks SET text_version = ? WHERE session_id = ? AND text_version IS NULL AND text_lines = ?`,
        )
        .run(version, sessionId, lines).changes === 1
    );
  }

  /**
   * Takes the first chunk of a session's indexed lines out of the index while the lines are still
   * there (a text no longer built that kept them); true while some remain.
   */
  forgetSomeText(sessionId: number): boolean {
    return this.db.transaction(() => {
      const { first, lines: end } = this.indexedLines(sessionId);
      const lines =
        end <= first
          ? []
          : (this.db
              .prepare(
                `SELECT n, text FROM session_log_lines WHERE session_id = ? AND n >= ? AND n < ? ORDER BY n LIMIT ${FORGET_CHUNK}`,
              )
              .all(sessionId, first, end) as { n: number; text: string }[]);
      if (lines.length === 0) {
        this.markText(sessionId, { version: null, lines: 0 });
        return false;
      }
      this.forgetLines(sessionId, lines);
      return true;
    })();
  }

  /**
   * Takes lines about to be removed (the first ones left, in order) out of the index, as their
   * words say, since an FTS5 table without content removes a row by its words. The indexed lines
   * are then those after them. Runs inside the caller's transaction (the removal of the lines).
   */
  forgetLines(sessionId: number, lines: readonly { n: number; text: string }[]): void {
    if (lines.length === 0) return;
    const { first, lines: end } = this.indexedLines(sessionId);
    const remove = this.db.prepare(
      "INSERT INTO search_index (search_index, rowid, words) VALUES ('delete', ?, ?)",
    );
    for (const line of lines) {
      const words = line.n >= first && line.n < end ? indexedWords(line) : null;
      if (words !== null) remove.run(lineKey(sessionId, line.n), words);
    }
    const after = Math.max(first, ...lines.map((l) => l.n + 1));
    this.db
      .prepare(
        `UPDATE search_marks SET text_version = NULL,
           text_first = CASE WHEN @after >= text_lines THEN 0 ELSE @after END,
           text_lines = CASE WHEN @after >= text_lines THEN 0 ELSE text_lines END
         WHERE session_id = @sessionId`,
      )
      .run({ after, sessionId });
  }

  /** Which lines of a session's text are in the index: from `first` up to `lines`. */
  private indexedLines(sessionId: number): { first: number; lines: number } {
    const row = this.db
      .prepare('SELECT text_first AS first, text_lines AS lines FROM search_marks WHERE session_id = ?')
      .get(sessionId) as { first: number; lines: number } | undefined;
    return row ?? { first: 0, lines: 0 };
  }

  markText(sessionId: number, mark: TextMark): void {
    this.db
      .prepare(
        `INSERT INTO search_marks (session_id, text_version, text_lines) VALUES (?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET text_version = excluded.text_version,
           text_first = 0, text_lines = excluded.text_lines`,
      )
      .run(sessionId, mark.version, mark.lines);
  }

  /** The sessions the caller may see holding entries with every word, newest first, with their counts. */
  sessionsWithHits(args: SearchArgs): SessionHits[] {
    const { terms, params } = sessionWhere(args);
    return this.db
      .prepare(
        `WITH hits AS (
           SELECT rowid >> ${KEY_SHIFT} AS sid, count(*) AS n FROM search_index
            WHERE search_index MATCH @match GROUP BY 1
         )
         SELECT s.id AS sessionId, h.n AS hits FROM hits h JOIN sessions s ON s.id = h.sid
          ${terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`}
          ORDER BY s.started_at DESC, s.id DESC`,
      )
      .all({ ...params, match: ftsMatch(args.words) }) as SessionHits[];
  }

  /** The keys of one session's entries holding every word. */
  hitsIn(sessionId: number, words: readonly string[]): number[] {
    const [first, last] = sessionKeys(sessionId);
    return this.db
      .prepare(
        `SELECT rowid FROM search_index WHERE search_index MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid`,
      )
      .pluck()
      .all(ftsMatch(words), first, last) as number[];
  }

  /** Lines of a session by number (text when `withText`, else empty), in number order. */
  lines(sessionId: number, ns: readonly number[], withText: boolean): StoredTextLine[] {
    if (ns.length === 0) return [];
    return this.db
      .prepare(
        `SELECT n, offset_ms AS offsetMs, ${withText ? 'text' : "''"} AS text FROM session_log_lines
          WHERE session_id = ? AND n IN (SELECT value FROM json_each(?)) ORDER BY n`,
      )
      .all(sessionId, JSON.stringify(ns)) as StoredTextLine[];
  }
}

/** A line's words as indexed (space-separated), or null when it has none or lies past the limit. */
function indexedWords(line: { n: number; text: string }): string | null {
  const words = searchWords(line.text);
  return words.length === 0 || line.n >= MAX_INDEXED_LINES ? null : words.join(' ');
}

/** Words as an FTS5 query: each a quoted string (no operator), all required. */
function ftsMatch(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(' AND ');
}

function sessionWhere({ filter, visibility }: SearchArgs): {
  terms: string[];
  params: Record<string, string | number>;
} {
  const terms: string[] = [];
  const params: Record<string, string | number> = {};
  if (visibility.kind === 'audited') {
    terms.push('s.id IN (SELECT session_id FROM session_auditors WHERE user_id = @auditor)');
    params.auditor = visibility.userId;
  }
  const text = { user: 's.user_login', device: 's.device', credential: 's.credential' } as const;
  for (const key of ['user', 'device', 'credential'] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    terms.push(`${text[key]} LIKE @${key} ESCAPE '\\'`);
    params[key] = likeSubstring(value);
  }
  if (filter.protocol !== undefined) {
    terms.push('s.protocol = @protocol');
    params.protocol = filter.protocol;
  }
  if (filter.from !== undefined) {
    terms.push('s.started_at >= @from');
    params.from = filter.from;
  }
  if (filter.to !== undefined) {
    terms.push('s.started_at <= @to');
    params.to = filter.to;
  }
  return { terms, params };
}
