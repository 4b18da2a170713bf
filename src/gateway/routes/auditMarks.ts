import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AssignedAuditListSchema,
  AssignedAuditQuerySchema,
  AuditMarkBodySchema,
  AuditMarkSchema,
} from '../../shared/api';
import { guarded, guardedSession, type Guard } from '../plugins/guard';
import type { AuditMarkService } from '../services/auditMarks';
import { BEARER_AUTH, ERRORS, SessionIdParamsSchema } from './common';

/** Sessions for audit: an auditor's own assignments and their Audited? marks. */
export function auditMarkRoutes(marks: AuditMarkService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit/assigned',
      {
        preHandler: guard.auditArea,
        schema: {
          tags: ['audit'],
          security: BEARER_AUTH,
          summary:
            "The caller's sessions for audit (those listing them as an auditor) with their Audited? flag and comment, newest first",
          querystring: AssignedAuditQuerySchema,
          response: { 200: AssignedAuditListSchema, ...ERRORS },
        },
      },
      async (request) => marks.assigned(guarded(request).caller, request.query),
    );

    app.put(
      '/sessions/:id/audit-mark',
      {
        preHandler: guard.session('view'),
        schema: {
          tags: ['sessions'],
          security: BEARER_AUTH,
          summary:
            "Set the caller's Audited? flag and comment (trimmed, at most 2000 characters) on a session; 403 unless the caller is one of its auditors",
          params: SessionIdParamsSchema,
          body: AuditMarkBodySchema,
          response: { 200: AuditMarkSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return marks.setMark(caller, session, request.body);
      },
    );
  };
}
