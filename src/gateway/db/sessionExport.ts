import type { SessionFilter } from './sessionFilters';
import { EXPORT_BATCH_ROWS } from './sessionPlan';
import type { Protocol, SessionStatus, Visibility } from './sessionTypes';
import type { Store } from './store';

/**
 * The engine-neutral export of the sessions list: every matching session, newest first (start
 * time, then id), in batches, as rows of the columns the CSV export writes. Each engine reads it
 * its own way (SQLite through its list planner's export plan, PostgreSQL by keyset pages), and
 * both give the same rows in the same order.
 */
export interface SessionExportRow {
  id: number;
  hash: string;
  userLogin: string;
  originIp: string;
  credential: string;
  device: string;
  protocol: Protocol;
  proxy: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  status: SessionStatus;
  preventPurge: boolean;
}

export type ExportRows = (
  filter: SessionFilter,
  visibility: Visibility,
  batchRows?: number,
) => AsyncIterable<SessionExportRow[]>;

/** The columns of `sessions s` in the order of the tuple `toExportRow` reads. */
export const EXPORT_COLUMNS =
  's.id, s.hash, s.user_login, s.origin_ip, s.credential, s.device, s.protocol, s.proxy, s.started_at, ' +
  's.ended_at, s.duration_ms, s.status, (s.prevent_purge_at IS NOT NULL) AS prevent_purge';

export type ExportTuple = [
  number,
  string,
  string,
  string,
  string,
  string,
  Protocol,
  string,
  number,
  number | null,
  number | null,
  SessionStatus,
  number | boolean,
];

export function toExportRow(r: ExportTuple): SessionExportRow {
  return {
    id: r[0],
    hash: r[1],
    userLogin: r[2],
    originIp: r[3],
    credential: r[4],
    device: r[5],
    protocol: r[6],
    proxy: r[7],
    startedAt: r[8],
    endedAt: r[9],
    durationMs: r[10],
    status: r[11],
    preventPurge: r[12] === true || r[12] === 1,
  };
}

/** Runs one synchronous read when the connection is free (see sqliteAsyncStore's turns). */
export type SqliteGate = <T>(read: () => T) => Promise<T>;

/**
 * The SQLite side: the list planner's export plan, each batch read as its own turn on the
 * connection, so a slow reader never holds it (or an open transaction) between batches.
 */
export async function* sqliteExportRows(
  store: Pick<Store, 'db' | 'sessions'>,
  gate: SqliteGate,
  filter: SessionFilter,
  visibility: Visibility,
  batchRows = EXPORT_BATCH_ROWS,
): AsyncGenerator<SessionExportRow[]> {
  const db = store.db;
  const plan = await gate(() => store.sessions.exportPlan(filter, visibility, EXPORT_COLUMNS));
  if (plan.kind === 'keyset') {
    const statement = db.prepare(plan.sql).raw(true);
    let cursor = { cursorAt: Number.MAX_SAFE_INTEGER, cursorId: Number.MAX_SAFE_INTEGER };
    for (;;) {
      const rows = await gate(
        () => statement.all({ ...plan.params, ...cursor, batch: batchRows }) as ExportTuple[],
      );
      if (rows.length > 0) yield rows.map(toExportRow);
      if (rows.length < batchRows) return;
      const last = rows[rows.length - 1]!;
      cursor = { cursorAt: last[8], cursorId: last[0] };
    }
  }
  const ids = await gate(() => db.prepare(plan.idsSql).pluck().all(plan.params) as number[]);
  const byIds = db.prepare(plan.rowsSql).raw(true);
  for (let i = 0; i < ids.length; i += batchRows) {
    const slice = ids.slice(i, i + batchRows);
    const rows = await gate(() => byIds.all({ ids: JSON.stringify(slice) }) as ExportTuple[]);
    const byId = new Map(rows.map((r) => [r[0], r]));
    const batch = slice.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined ? [] : [toExportRow(row)];
    });
    if (batch.length > 0) yield batch;
  }
}
