import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionTextPage } from '../../shared/api';
import type { SessionRecord } from '../db/sessionTypes';
import { errorBody } from '../plugins/errors';
import { guardedSession } from '../plugins/guard';
import { purgedMessage } from '../services/purgedFiles';
import { ERRORS } from './common';

/** The answer of the routes that need a recording retention purged: gone for good, not unknown. */
export const PURGED_RESPONSE = {
  410: {
    description: 'The recording was purged by retention (code RECORDING_PURGED, the message says when)',
    ...ERRORS['4xx'],
  },
} as const;

const purgedAt = (session: SessionRecord): number | null => session.recording?.purgedAt ?? null;

/**
 * After the route's guard: a purged recording answers 410 RECORDING_PURGED. The caller was allowed
 * and the session exists, so the answer says what became of the recording rather than 404.
 */
export async function refusePurged(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const { session } = guardedSession(request);
  const at = purgedAt(session);
  // Returning the reply ends the request here: the route's handler does not run.
  if (at !== null) return reply.code(410).send(errorBody('RECORDING_PURGED', purgedMessage(session.id, at)));
  return undefined;
}

/** The terminal text of a purged recording: gone with it (typed commands and events stay). */
export function purgedText(session: SessionRecord): SessionTextPage | null {
  const at = purgedAt(session);
  return at === null
    ? null
    : { status: 'unavailable', message: purgedMessage(session.id, at), total: 0, offset: 0, items: [] };
}
