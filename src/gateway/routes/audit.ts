import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditEventListSchema,
  AuditEventQuerySchema,
  ChainStatusSchema,
  ChainVerifyQuerySchema,
} from '../../shared/api';
import type { Guard } from '../plugins/guard';
import type { AuditService } from '../services/audit';
import { BEARER_AUTH, ERRORS } from './common';

export function auditRoutes(audit: AuditService, guard: Guard): FastifyPluginAsyncTypebox {
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
  };
}
