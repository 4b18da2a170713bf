import type { EventType } from '../../../shared/events';
import type { EventRecord } from '../events';

/** An event joined with its actor, on either engine. */
export interface EventRow {
  id: number;
  at: number;
  type: EventType;
  actor_id: number | null;
  actor_login: string | null;
  actor_name: string | null;
  origin_ip: string | null;
  session_id: number | null;
  note: string;
  hash: string;
}

export const eventToRecord = (r: EventRow): EventRecord => ({
  id: r.id,
  at: r.at,
  type: r.type,
  actorId: r.actor_id,
  actor:
    r.actor_id === null ? null : { id: r.actor_id, login: r.actor_login ?? '', name: r.actor_name ?? '' },
  originIp: r.origin_ip,
  sessionId: r.session_id,
  note: r.note,
  hash: r.hash,
});
