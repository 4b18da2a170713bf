import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UserListSchema } from '../../shared/api';
import type { Guard } from '../plugins/guard';
import type { SessionService } from '../services/sessions';
import { BEARER_AUTH, ERRORS } from './common';

export function userRoutes(sessions: SessionService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/users',
      {
        preHandler: guard.permission('PAM.SessionManagement.Auditors'),
        schema: {
          tags: ['users'],
          summary: 'Users that may be picked as session auditors (holders of an audit role)',
          security: BEARER_AUTH,
          response: { 200: UserListSchema, ...ERRORS },
        },
      },
      async () => sessions.auditorCandidates(),
    );
  };
}
