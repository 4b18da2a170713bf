import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EvidenceBodySchema, EvidenceExportSchema } from '../../shared/evidence';
import { guarded, type Guard } from '../plugins/guard';
import type { EvidenceService } from '../services/evidence';
import { BEARER_AUTH, ERRORS } from './common';

/** Evidence bundles: the gateway's signed statement of what it exports. */
export function evidenceRoutes(evidence: EvidenceService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/evidence',
      {
        // Before the body is validated: an Operator learns nothing of the body's shape.
        preValidation: guard.auditArea,
        schema: {
          tags: ['evidence'],
          security: BEARER_AUTH,
          summary:
            "The signed statement of an evidence bundle of finished sessions: each session's info, logs and signed recording manifest, the audit-trail proof, and statement.json listing their SHA-256 and the recordings' (signed with the gateway's Ed25519 key). Needs the logs and the recording of every session; logged as \"Exported Details\" per session",
          body: EvidenceBodySchema,
          response: { 200: EvidenceExportSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller } = guarded(request);
        const ids = [...new Set(request.body.sessionIds)];
        const sessions = [];
        // Every session is checked before anything is logged or signed: all of them, or nothing.
        for (const id of ids) {
          await guard.authorizeSession(caller, id, 'logs');
          sessions.push(await guard.authorizeSession(caller, id, 'video'));
        }
        return evidence.export(caller, sessions);
      },
    );
  };
}
