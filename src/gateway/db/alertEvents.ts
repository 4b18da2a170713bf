import type { Db } from './database';
import {
  alertEventsSelect,
  alertEventToRecord,
  LATEST_EVENT_SELECT,
  type AlertEventRecord,
  type AlertEventRow,
} from './rows/alertEvents';

/** A window of alert events: ids strictly between `after` and `before`, at or after `since`. */
export interface AlertEventRange {
  after: number;
  before: number;
  since: number;
}

/** Reads the audit events alerts derive from (the events table stays their only source). */
export class AlertEventsRepository {
  constructor(private readonly db: Db) {}

  /** The newest event id (0 when there is none): where a new reader starts. */
  latestId(): number {
    return (this.db.prepare(LATEST_EVENT_SELECT).get() as { id: number }).id;
  }

  /** Up to `limit` alert events of the range, oldest first (the live feed) or newest first (replay). */
  range(range: AlertEventRange, order: 'ASC' | 'DESC', limit: number): AlertEventRecord[] {
    const sql = alertEventsSelect({ after: '?', before: '?', since: '?', limit: '?', order, text: '' });
    const rows = this.db.prepare(sql).all(range.after, range.before, range.since, limit) as AlertEventRow[];
    return rows.map(alertEventToRecord);
  }
}
