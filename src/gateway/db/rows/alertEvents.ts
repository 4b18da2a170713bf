import type { Criticality, RuleAction } from '../../../shared/rules';
import type { EventType } from '../../../shared/events';

/** The audit events an alert can derive from. */
export const ALERT_EVENT_TYPES = [
  'Prohibited Event',
  'Observed Event',
  'Interactivity blocked',
  'Drop session',
  'Access refused',
  'Started',
] as const satisfies readonly EventType[];

export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

/** An audit event with what an alert about it shows: its session, actor and matched rule. */
export interface AlertEventRecord {
  id: number;
  at: number;
  type: AlertEventType;
  actorId: number | null;
  actorLogin: string | null;
  note: string;
  session: {
    id: number;
    operatorId: number;
    operatorLogin: string;
    device: string;
    credential: string;
    live: boolean;
    startedAt: number;
  } | null;
  /** The matched command and the rule as it was, for Prohibited and Observed events. */
  risky: {
    rule: string;
    score: number;
    criticality: Criticality;
    action: RuleAction;
    command: string;
  } | null;
}

export interface AlertEventRow {
  id: number;
  at: number;
  type: AlertEventType;
  actor_id: number | null;
  actor_login: string | null;
  note: string;
  session_id: number | null;
  operator_id: number | null;
  operator_login: string | null;
  device: string | null;
  credential: string | null;
  status: string | null;
  started_at: number | null;
  rule: string | null;
  score: number | null;
  criticality: Criticality | null;
  action: RuleAction | null;
  command: string | null;
}

const TYPE_LIST = ALERT_EVENT_TYPES.map((t) => `'${t}'`).join(', ');

/**
 * The alert events in an id range, with their session and matched command joined; placeholders
 * and the login cast in the engine's style. A matched command is the one of the same session and
 * instant whose rule the event's note names (the ledger writes both in one transaction).
 */
export function alertEventsSelect(p: {
  after: string;
  before: string;
  since: string;
  limit: string;
  order: 'ASC' | 'DESC';
  text: string;
}): string {
  return `SELECT e.id, e.at, e.type, e.actor_id, a.login${p.text} AS actor_login, e.note, e.session_id,
      s.user_id AS operator_id, o.login${p.text} AS operator_login, s.device, s.credential, s.status,
      s.started_at, r.rule, r.score, r.criticality, r.action, r.command
    FROM events e
    LEFT JOIN users a ON a.id = e.actor_id
    LEFT JOIN sessions s ON s.id = e.session_id
    LEFT JOIN users o ON o.id = s.user_id
    LEFT JOIN session_risky_commands r ON r.id = (
      SELECT r2.id FROM session_risky_commands r2
      WHERE e.type IN ('Prohibited Event', 'Observed Event') AND r2.session_id = e.session_id
        AND r2.at = e.at AND substr(e.note, 1, length(r2.rule) + 7) = 'Rule ' || r2.rule || ' ('
      ORDER BY r2.id LIMIT 1)
    WHERE e.type IN (${TYPE_LIST}) AND e.id > ${p.after} AND e.id < ${p.before} AND e.at >= ${p.since}
    ORDER BY e.id ${p.order} LIMIT ${p.limit}`;
}

export const LATEST_EVENT_SELECT = 'SELECT coalesce(max(id), 0) AS id FROM events';

export function alertEventToRecord(r: AlertEventRow): AlertEventRecord {
  return {
    id: r.id,
    at: r.at,
    type: r.type,
    actorId: r.actor_id,
    actorLogin: r.actor_login,
    note: r.note,
    session:
      r.session_id === null || r.operator_id === null
        ? null
        : {
            id: r.session_id,
            operatorId: r.operator_id,
            operatorLogin: r.operator_login ?? '',
            device: r.device ?? '',
            credential: r.credential ?? '',
            live: r.status === 'live',
            startedAt: r.started_at ?? r.at,
          },
    risky:
      r.rule === null
        ? null
        : {
            rule: r.rule,
            score: r.score ?? 0,
            criticality: r.criticality!,
            action: r.action!,
            command: r.command ?? '',
          },
  };
}
