import type { AsyncRepository } from '../asyncStore';
import type { AlertEventRange, AlertEventsRepository } from '../alertEvents';
import {
  alertEventsSelect,
  alertEventToRecord,
  LATEST_EVENT_SELECT,
  type AlertEventRecord,
  type AlertEventRow,
} from '../rows/alertEvents';
import type { Executor } from './connection';

/** The audit events alerts derive from, on PostgreSQL. */
export class PgAlertEventsRepository implements AsyncRepository<AlertEventsRepository> {
  constructor(private readonly sql: Executor) {}

  async latestId(): Promise<number> {
    const [row] = await this.sql.rows<{ id: number }>(LATEST_EVENT_SELECT);
    return row?.id ?? 0;
  }

  async range(range: AlertEventRange, order: 'ASC' | 'DESC', limit: number): Promise<AlertEventRecord[]> {
    const sql = alertEventsSelect({
      after: '$1',
      before: '$2',
      since: '$3',
      limit: '$4',
      order,
      text: '::text',
    });
    const rows = await this.sql.rows<AlertEventRow>(sql, [range.after, range.before, range.since, limit]);
    return rows.map(alertEventToRecord);
  }
}
