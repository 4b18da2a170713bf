import { searchWords } from '../../../shared/searchTokens';
import type { AsyncRepository } from '../asyncStore';
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
} from '../rows/searchIndex';
import type { SearchIndexRepository } from '../searchIndex';
import { likeSubstring } from '../sessionFilters';
import type { StoredTextLine } from '../sessionText';
import type { Executor } from './connection';

/**
 * The word index of search across sessions on PostgreSQL: one row per typed command or text line
 * (`search_entries`, keyed as on SQLite) holding its distinct words, folded by the shared
 * tokenizer, under a GIN index; and what it holds of each session (`search_marks`).
 */
export class PgSearchIndexRepository implements AsyncRepository<SearchIndexRepository> {
  constructor(private readonly sql: Executor) {}

  async commandMark(): Promise<number> {
    const [row] = await this.sql.rows<{ value: string }>('SELECT value FROM meta WHERE key = $1', [
      COMMAND_MARK_KEY,
    ]);
    return row === undefined ? 0 : Number(row.value);
  }

  pendingCommands(afterId: number, limit: number): Promise<CommandToIndex[]> {
    return this.sql.rows<CommandToIndex>(
      `SELECT id, session_id AS "sessionId", command FROM session_commands WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** As on SQLite; an entry already there (another node indexed it) is left as it is. */
  addCommands(commands: readonly CommandToIndex[], mark: number): Promise<number> {
    return this.sql.atomic(async (tx) => {
      const sessionIds = [...new Set(commands.map((c) => c.sessionId))];
      const marks = await tx.rows<{ session_id: number; last_command_id: number }>(
        'SELECT session_id, last_command_id FROM search_marks WHERE session_id = ANY($1::bigint[])',
        [sessionIds],
      );
      const sessions = new Map<number, { last: number; next: number | null }>(
        sessionIds.map((id) => [
          id,
          { last: marks.find((m) => m.session_id === id)?.last_command_id ?? 0, next: null },
        ]),
      );
      const keys: number[] = [];
      const words: string[] = [];
      for (const c of commands) {
        const s = sessions.get(c.sessionId)!;
        if (c.id <= s.last) continue;
        if (s.next === null) {
          const [row] = await tx.rows<{ n: number }>(
            'SELECT count(*)::int AS n FROM session_commands WHERE session_id = $1 AND id < $2',
            [c.sessionId, c.id],
          );
          s.next = row?.n ?? 0;
        }
        const ordinal = s.next++;
        s.last = c.id;
        const found = searchWords(c.command);
        if (ordinal < MAX_INDEXED_COMMANDS && found.length > 0) {
          keys.push(commandKey(c.sessionId, ordinal));
          words.push(found.join(' '));
        }
      }
      await insertEntries(tx, keys, words);
      const touched = [...sessions].filter(([, s]) => s.next !== null);
      if (touched.length > 0) {
        await tx.run(
          `INSERT INTO search_marks (session_id, last_command_id)
           SELECT * FROM unnest($1::bigint[], $2::bigint[]) ORDER BY 1
           ON CONFLICT (session_id) DO UPDATE
             SET last_command_id = greatest(search_marks.last_command_id, excluded.last_command_id)`,
          [touched.map(([id]) => id), touched.map(([, s]) => s.last)],
        );
      }
      await tx.run(
        `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key)
         DO UPDATE SET value = greatest(meta.value::bigint, excluded.value::bigint)::text`,
        [COMMAND_MARK_KEY, String(mark)],
      );
      return keys.length;
    });
  }

  async textMark(sessionId: number): Promise<TextMark> {
    const [row] = await this.sql.rows<TextMark>(
      'SELECT text_version AS version, text_lines AS lines FROM search_marks WHERE session_id = $1',
      [sessionId],
    );
    return row ?? { version: null, lines: 0 };
  }

  textsToSync(limit: number): Promise<TextToSync[]> {
    return this.sql.rows<TextToSync>(
      `(SELECT b.session_id AS "sessionId", b.version AS version, b.lines AS lines
          FROM session_logs_built b LEFT JOIN search_marks m ON m.session_id = b.session_id
         WHERE b.status = 'ready'
           AND (m.text_version IS NULL OR m.text_version <> b.version OR m.text_lines <> b.lines))
       UNION ALL
       (SELECT m.session_id, NULL, 0 FROM search_marks m
         WHERE (m.text_version IS NOT NULL OR m.text_lines <> 0) AND NOT EXISTS
           (SELECT 1 FROM session_logs_built b WHERE b.session_id = m.session_id AND b.status = 'ready'))
       LIMIT $1`,
      [limit],
    );
  }

  /** As on SQLite; the mark's row is locked first, so two nodes never index the same lines at once. */
  addTextLines(sessionId: number, from: number, count: number): Promise<number> {
    return this.sql.atomic(async (tx) => {
      await tx.run(
        `INSERT INTO search_marks (session_id, text_lines) VALUES ($1, 0) ON CONFLICT (session_id) DO NOTHING`,
        [sessionId],
      );
      const [mark] = await tx.rows<TextMark>(
        'SELECT text_version AS version, text_lines AS lines FROM search_marks WHERE session_id = $1 FOR UPDATE',
        [sessionId],
      );
      if (mark === undefined || mark.version !== null || mark.lines !== from) return -1;
      const lines = await tx.rows<{ n: number; text: string }>(
        'SELECT n, text FROM session_log_lines WHERE session_id = $1 AND n >= $2 AND n < $3 ORDER BY n',
        [sessionId, from, from + count],
      );
      if (lines.length === 0) return 0;
      const keys: number[] = [];
      const words: string[] = [];
      for (const line of lines) {
        const found = searchWords(line.text);
        if (line.n < MAX_INDEXED_LINES && found.length > 0) {
          keys.push(lineKey(sessionId, line.n));
          words.push(found.join(' '));
        }
      }
      await insertEntries(tx, keys, words);
      await tx.run('UPDATE search_marks SET text_lines = $2 WHERE session_id = $1', [
        sessionId,
        lines[lines.length - 1]!.n + 1,
      ]);
      return lines.length;
    });
  }

  async completeText(sessionId: number, version: number, lines: number): Promise<boolean> {
    const changed = await this.sql.run(
      'UPDATE search_marks SET text_version = $1 WHERE session_id = $2 AND text_version IS NULL AND text_lines = $3',
      [version, sessionId, lines],
    );
    return changed === 1;
  }

  /** Entries go by key here: the whole text at once. */
  async forgetSomeText(sessionId: number): Promise<boolean> {
    await this.forgetLines(sessionId, [{ n: 0, text: '' }]);
    return false;
  }

  /**
   * Takes lines about to be removed out of the index, with every line after them (removals go by
   * key here, and a text is removed whole), and moves the mark back.
   */
  async forgetLines(sessionId: number, lines: readonly { n: number; text: string }[]): Promise<void> {
    if (lines.length === 0) return;
    const first = Math.min(...lines.map((l) => l.n));
    const [, last] = sessionKeys(sessionId, 'text');
    await this.sql.run('DELETE FROM search_entries WHERE id BETWEEN $1 AND $2', [
      lineKey(sessionId, first),
      last,
    ]);
    await this.sql.run(
      'UPDATE search_marks SET text_version = NULL, text_lines = least(text_lines, $2) WHERE session_id = $1',
      [sessionId, first],
    );
  }

  async markText(sessionId: number, mark: TextMark): Promise<void> {
    await this.sql.run(
      `INSERT INTO search_marks (session_id, text_version, text_lines) VALUES ($1, $2, $3)
       ON CONFLICT (session_id) DO UPDATE SET text_version = excluded.text_version, text_first = 0,
         text_lines = excluded.text_lines`,
      [sessionId, mark.version, mark.lines],
    );
  }

  sessionsWithHits(args: SearchArgs): Promise<SessionHits[]> {
    const values: unknown[] = [args.words];
    const terms = sessionWhere(args, (v) => `$${values.push(v)}`);
    return this.sql.rows<SessionHits>(
      `WITH hits AS (
         SELECT id >> ${KEY_SHIFT} AS sid, count(*)::int AS n FROM search_entries
          WHERE words @> $1::text[] GROUP BY 1
       )
       SELECT s.id AS "sessionId", h.n AS hits FROM hits h JOIN sessions s ON s.id = h.sid
        ${terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`}
        ORDER BY s.started_at DESC, s.id DESC`,
      values,
    );
  }

  async hitsIn(sessionId: number, words: readonly string[]): Promise<number[]> {
    const [first, last] = sessionKeys(sessionId);
    const rows = await this.sql.rows<{ id: number }>(
      'SELECT id FROM search_entries WHERE words @> $1::text[] AND id BETWEEN $2 AND $3 ORDER BY id',
      [words, first, last],
    );
    return rows.map((r) => r.id);
  }

  lines(sessionId: number, ns: readonly number[], withText: boolean): Promise<StoredTextLine[]> {
    if (ns.length === 0) return Promise.resolve([]);
    return this.sql.rows<StoredTextLine>(
      `SELECT n, offset_ms AS "offsetMs", ${withText ? 'text' : "''"} AS text FROM session_log_lines
        WHERE session_id = $1 AND n = ANY($2::int[]) ORDER BY n`,
      [sessionId, ns],
    );
  }
}

/** One statement for the batch; the words of an entry travel space-separated and are split here. */
async function insertEntries(
  sql: Executor,
  keys: readonly number[],
  words: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  await sql.run(
    `INSERT INTO search_entries (id, words)
     SELECT k, string_to_array(w, ' ') FROM unnest($1::bigint[], $2::text[]) AS e(k, w)
     ON CONFLICT (id) DO NOTHING`,
    [keys, words],
  );
}

function sessionWhere({ filter, visibility }: SearchArgs, param: (value: unknown) => string): string[] {
  const terms: string[] = [];
  if (visibility.kind === 'audited')
    terms.push(
      `s.id IN (SELECT session_id FROM session_auditors WHERE user_id = ${param(visibility.userId)})`,
    );
  const text = { user: 's.user_login', device: 's.device', credential: 's.credential' } as const;
  for (const key of ['user', 'device', 'credential'] as const) {
    const value = filter[key];
    if (value !== undefined)
      terms.push(`lower(${text[key]}::text) LIKE ${param(likeSubstring(value).toLowerCase())} ESCAPE '\\'`);
  }
  if (filter.protocol !== undefined) terms.push(`s.protocol = ${param(filter.protocol)}`);
  if (filter.from !== undefined) terms.push(`s.started_at >= ${param(filter.from)}`);
  if (filter.to !== undefined) terms.push(`s.started_at <= ${param(filter.to)}`);
  return terms;
}
