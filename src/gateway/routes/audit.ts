import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditEventListSchema,
  AuditEventQuerySchema,
  ChainStatusSchema,
  ChainVerifyQuerySchema,
} from '../../shared/api';
import { AuditProofBodySchema, AuditProofSchema } from '../../shared/auditProof';
import type { Guard } from '../plugins/guard';
import type { AuditService } from '../services/audit';
import type { AuditProofService } from '../services/auditProof';
import { BEARER_AUTH, ERRORS } from './common';

export function auditRoutes(
  audit: AuditService,
  auditProof: AuditProofService,
  guard: Guard,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const common = { tags: ['audit'], security: BEARER_AUTH };
    app.get(
      '/audit/events',
      {
        preHandler: guard.permission('PAM.SessionManagement.Logs'),
        schema: {
          ...common,
          summary: 'The audit trail, newest first',
          querystring: AuditEventQuerySchema,
          response: { 200: AuditEventListSchema, ...ERRORS },
        },
      },
      async (request) => audit.list(request.query),
    );
    app.get(
      '/audit/verify',
      {
        preHandler: guard.permission('PAM.SessionManagement.Logs'),
        schema: {
          ...common,
          summary:
            'Recompute the hash chain of the trail: every event (scope=all), or the events after the last successful verification (scope=new)',
          querystring: ChainVerifyQuerySchema,
          response: { 200: ChainStatusSchema, ...ERRORS },
        },
      },
      async (request) => audit.verify(request.query.scope ?? 'all'),
    );
    app.post(
      '/audit/proof',
      {
        // Checked before the body is validated: a caller without the permission learns nothing of it.
        preValidation: guard.permission('PAM.SessionManagement.Logs'),
        schema: {
          ...common,
          summary:
            "The sessions' audit events with the chain segments and signed checkpoints that prove them (a checkpoint is signed first when their newest events are not covered yet)",
          body: AuditProofBodySchema,
          response: { 200: AuditProofSchema, ...ERRORS },
        },
      },
      async (request) => auditProof.prove(request.body.sessionIds),
    );
  };
}
