import pg from 'pg';
import type { TestGateway } from './gatewayApp';
import type { SqlValue } from './testDatabase';

/** SQL with the database's guards in force, as any client other than the test's own would run it. */
export async function guardedSql(gw: TestGateway, text: string): Promise<void> {
  if (gw.engine === 'sqlite') {
    await gw.sql(text);
    return;
  }
  const client = new pg.Client({ connectionString: gw.databaseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** An audit event as the `events` table stores it. */
export interface StoredEvent {
  id: number;
  at: number;
  type: 'Exported Details';
  actor_id: number | null;
  origin_ip: string | null;
  session_id: number | null;
  note: string;
  prev_hash: string;
  hash: string;
}

/** Events as stored (PostgreSQL hands BIGINT columns to the test's SQL as strings). */
export async function storedEvents(
  gw: TestGateway,
  where = '',
  params: SqlValue[] = [],
): Promise<StoredEvent[]> {
  const rows = await gw.sql(`SELECT * FROM events ${where} ORDER BY id`, params);
  const numberOrNull = (v: unknown) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    ...(r as unknown as StoredEvent),
    id: Number(r.id),
    at: Number(r.at),
    actor_id: numberOrNull(r.actor_id),
    session_id: numberOrNull(r.session_id),
  }));
}
