import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { hasPermission } from '../../shared/policy';
import { SearchQuerySchema, SearchResultSchema } from '../../shared/search';
import type { Visibility } from '../db/sessionTypes';
import { guarded, type Guard } from '../plugins/guard';
import type { SearchService } from '../services/search';
import { BEARER_AUTH, ERRORS } from './common';

/** Search across sessions: what reading their logs would show, so the logs rule decides. */
export function searchRoutes(search: SearchService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/search',
      {
        preHandler: guard.auditArea,
        schema: {
          tags: ['sessions'],
          security: BEARER_AUTH,
          summary:
            'Typed commands and terminal text lines holding every word of q (whole words, case and accents ignored), newest sessions first; with the Logs permission in every session, else in the sessions the caller audits',
          querystring: SearchQuerySchema,
          response: { 200: SearchResultSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller } = guarded(request);
        // Reading a session's logs takes the Logs permission, or being listed as its auditor.
        const visibility: Visibility = hasPermission(caller.principal, 'PAM.SessionManagement.Logs')
          ? { kind: 'all' }
          : { kind: 'audited', userId: caller.userId };
        return search.search(caller, visibility, request.query);
      },
    );
  };
}
