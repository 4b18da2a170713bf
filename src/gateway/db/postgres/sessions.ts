import type { AsyncRepository } from '../asyncStore';
import {
  likePrefix,
  likeSubstring,
  TEXT_FILTERS,
  TEXT_KEYS,
  usesTrigrams,
  type SessionFilter,
} from '../sessionFilters';
import type { SessionsRepository } from '../sessions';
import type { NewSession, Protocol, SessionRecord, SessionStatus, Visibility } from '../sessionTypes';
import type { Executor } from './connection';

/**
 * The export plan of the SQLite repository is SQLite SQL to run in batches; an engine-neutral export
 * (rows streamed in order) replaces it when the export service moves to the async store.
 */
export type PgSessionsContract = Omit<AsyncRepository<SessionsRepository>, 'exportPlan'>;

interface SessionRow {
  id: number;
  hash: string;
  user_id: number;
  user_login: string;
  user_name: string;
  origin_ip: string;
  credential: string;
  device: string;
  protocol: Protocol;
  proxy: string;
  status: SessionStatus;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  blocked: number;
  reason: string | null;
  error_message: string | null;
  prevent_purge_justification: string | null;
  prevent_purge_at: number | null;
  prevent_purge_by: number | null;
  pp_login: string | null;
  pp_name: string | null;
  recording_path: string | null;
  recording_size: number | null;
  recording_sha256: string | null;
  is_auditor: boolean;
  is_operator: boolean;
  dropped_by_id: number | null;
  dropped_by_login: string | null;
  dropped_by_name: string | null;
}

/** The viewer is always $1. */
const SELECT = `
  SELECT s.id, s.hash, s.user_id, s.user_login, u.name AS user_name, s.origin_ip, s.credential, s.device,
    s.protocol, s.proxy, s.status, s.started_at, s.ended_at, s.duration_ms, s.blocked, s.reason,
    s.error_message, s.prevent_purge_justification, s.prevent_purge_at, s.prevent_purge_by,
    pu.login AS pp_login, pu.name AS pp_name, s.recording_path, s.recording_size, s.recording_sha256,
    EXISTS (SELECT 1 FROM session_auditors a WHERE a.session_id = s.id AND a.user_id = $1) AS is_auditor,
    s.user_id = $1 AS is_operator,
    du.id AS dropped_by_id, du.login AS dropped_by_login, du.name AS dropped_by_name
  FROM sessions s
  JOIN users u ON u.id = s.user_id
  LEFT JOIN users pu ON pu.id = s.prevent_purge_by
  LEFT JOIN users du ON s.status = 'finished' AND du.id = (
    SELECT e.actor_id FROM events e WHERE e.session_id = s.id AND e.type = 'Drop session'
    ORDER BY e.id DESC LIMIT 1)`;

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    hash: row.hash,
    user: { id: row.user_id, login: row.user_login, name: row.user_name },
    originIp: row.origin_ip,
    credential: row.credential,
    device: row.device,
    protocol: row.protocol,
    proxy: row.proxy,
    status: row.status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    blocked: row.blocked === 1,
    reason: row.reason,
    errorMessage: row.error_message,
    preventPurge:
      row.prevent_purge_justification === null ||
      row.prevent_purge_at === null ||
      row.prevent_purge_by === null
        ? null
        : {
            justification: row.prevent_purge_justification,
            at: row.prevent_purge_at,
            by: { id: row.prevent_purge_by, login: row.pp_login ?? '', name: row.pp_name ?? '' },
          },
    recording:
      row.recording_size === null || row.recording_sha256 === null
        ? null
        : { path: row.recording_path, size: row.recording_size, sha256: row.recording_sha256 },
    isAuditor: row.is_auditor,
    isOperator: row.is_operator,
    droppedBy:
      row.dropped_by_id === null
        ? null
        : { id: row.dropped_by_id, login: row.dropped_by_login ?? '', name: row.dropped_by_name ?? '' },
  };
}

/**
 * The list's conditions, as on SQLite: the hash matches from its start, the other texts anywhere
 * (CITEXT makes LIKE case-insensitive), the reason search anywhere from three characters and from
 * the start below that, `from`/`to` inclusive. The query planner of PostgreSQL picks the index; the
 * 1 M-row benchmark on PostgreSQL is still to be run.
 */
function listWhere(filter: SessionFilter, visibility: Visibility, values: unknown[]): string {
  const terms: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (visibility.kind === 'audited') {
    terms.push(
      `s.id IN (SELECT session_id FROM session_auditors WHERE user_id = ${param(visibility.userId)})`,
    );
  }
  if (filter.id !== undefined) terms.push(`s.id = ${param(filter.id)}`);
  for (const key of TEXT_KEYS) {
    const text = filter[key];
    if (text === undefined) continue;
    const pattern = key === 'hash' ? likePrefix(text) : likeSubstring(text);
    terms.push(`s.${TEXT_FILTERS[key].column} LIKE ${param(pattern)} ESCAPE '\\'`);
  }
  if (filter.protocol !== undefined) terms.push(`s.protocol = ${param(filter.protocol)}`);
  if (filter.status !== undefined) terms.push(`s.status = ${param(filter.status)}`);
  if (filter.proxy !== undefined)
    terms.push(`s.proxy LIKE ${param(likeSubstring(filter.proxy))} ESCAPE '\\'`);
  if (filter.from !== undefined) terms.push(`s.started_at >= ${param(filter.from)}`);
  if (filter.to !== undefined) terms.push(`s.started_at <= ${param(filter.to)}`);
  if (filter.q !== undefined) {
    const q = param(usesTrigrams(filter.q) ? likeSubstring(filter.q) : likePrefix(filter.q));
    terms.push(`(s.reason LIKE ${q} ESCAPE '\\' OR s.prevent_purge_justification LIKE ${q} ESCAPE '\\')`);
  }
  return terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`;
}

/** The sessions table on PostgreSQL (all but the export plan). */
export class PgSessionsRepository implements PgSessionsContract {
  constructor(private readonly sql: Executor) {}

  async insert(session: NewSession): Promise<number> {
    const [row] = await this.sql.rows<{ id: number }>(
      `INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy, status,
         started_at, ended_at, duration_ms, blocked, reason, error_message, recording_path, recording_size,
         recording_sha256)
       SELECT $1, u.id, u.login, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
       FROM users u WHERE u.id = $2
       RETURNING id`,
      [
        session.hash,
        session.userId,
        session.originIp,
        session.credential,
        session.device,
        session.protocol,
        session.proxy,
        session.status,
        session.startedAt,
        session.endedAt ?? null,
        session.durationMs ?? null,
        session.blocked === true ? 1 : 0,
        session.reason ?? null,
        session.errorMessage ?? null,
        session.recording?.path ?? null,
        session.recording?.size ?? null,
        session.recording?.sha256 ?? null,
      ],
    );
    if (row === undefined) throw new Error(`No user with id ${session.userId}`);
    return row.id;
  }

  insertMany(sessions: Iterable<NewSession>): Promise<number[]> {
    const items = [...sessions];
    return this.sql.atomic(async (tx) => {
      const repository = new PgSessionsRepository(tx);
      const ids: number[] = [];
      for (const session of items) ids.push(await repository.insert(session));
      return ids;
    });
  }

  async get(id: number, viewerId: number): Promise<SessionRecord | null> {
    const [row] = await this.sql.rows<SessionRow>(`${SELECT} WHERE s.id = $2`, [viewerId, id]);
    return row === undefined ? null : toRecord(row);
  }

  async getMany(ids: readonly number[], viewerId: number): Promise<SessionRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.rows<SessionRow>(`${SELECT} WHERE s.id = ANY($2::bigint[])`, [viewerId, ids]);
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async list(
    filter: SessionFilter,
    visibility: Visibility,
    viewerId: number,
    offset: number,
    limit: number,
  ): Promise<{ total: number; items: SessionRecord[] }> {
    if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
      return { total: 0, items: [] };
    }
    const values: unknown[] = [];
    const where = listWhere(filter, visibility, values);
    const [count] = await this.sql.rows<{ n: number }>(
      `SELECT count(*) AS n FROM sessions s ${where}`,
      values,
    );
    const total = count?.n ?? 0;
    if (total <= offset) return { total, items: [] };
    const page = await this.sql.rows<{ id: number }>(
      `SELECT s.id FROM sessions s ${where} ORDER BY s.started_at DESC, s.id DESC
       LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, limit, offset],
    );
    return {
      total,
      items: await this.getMany(
        page.map((r) => r.id),
        viewerId,
      ),
    };
  }

  async setPreventPurge(id: number, justification: string, byUserId: number, at: number): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE sessions SET prevent_purge_justification = $1, prevent_purge_by = $2, prevent_purge_at = $3
         WHERE id = $4 AND prevent_purge_at IS NULL`,
        [justification, byUserId, at, id],
      )) === 1
    );
  }

  async clearPreventPurge(id: number): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE sessions SET prevent_purge_justification = NULL, prevent_purge_by = NULL, prevent_purge_at = NULL
         WHERE id = $1 AND prevent_purge_at IS NOT NULL`,
        [id],
      )) === 1
    );
  }

  async finish(id: number, endedAt: number, errorMessage: string | null = null): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE sessions SET status = 'finished', ended_at = $2::bigint, duration_ms = $2::bigint - started_at,
           error_message = coalesce($3::text, error_message)
         WHERE id = $1 AND status = 'live'`,
        [id, endedAt, errorMessage],
      )) === 1
    );
  }

  async setRecordingPath(id: number, path: string): Promise<void> {
    await this.sql.run('UPDATE sessions SET recording_path = $1 WHERE id = $2', [path, id]);
  }

  async setRecording(id: number, recording: { path: string; size: number; sha256: string }): Promise<void> {
    await this.sql.run(
      'UPDATE sessions SET recording_path = $1, recording_size = $2, recording_sha256 = $3 WHERE id = $4',
      [recording.path, recording.size, recording.sha256, id],
    );
  }

  async listLive(): Promise<
    { id: number; userId: number; startedAt: number; recordingPath: string | null }[]
  > {
    const rows = await this.sql.rows<{
      id: number;
      user_id: number;
      started_at: number;
      recording_path: string | null;
    }>(`SELECT id, user_id, started_at, recording_path FROM sessions WHERE status = 'live' ORDER BY id`);
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      startedAt: r.started_at,
      recordingPath: r.recording_path,
    }));
  }
}
