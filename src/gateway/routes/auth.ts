import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LoginBodySchema, LoginResponseSchema, MeSchema } from '../../shared/api';
import { guarded, type Guard } from '../plugins/guard';
import type { IdentityService } from '../services/identity';
import { BEARER_AUTH, ERRORS } from './common';

export function authRoutes(identity: IdentityService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary:
            'Log in; 5 failed attempts in 15 minutes lock the login for 15 minutes (429 LOCKED); 30 failed attempts from one address in 15 minutes refuse its logins until the oldest is 15 minutes old (429 RATE_LIMITED)',
          body: LoginBodySchema,
          response: { 200: LoginResponseSchema, ...ERRORS },
        },
      },
      async (request) => identity.login(request.body.username, request.body.password, request.ip),
    );

    app.post(
      '/auth/logout',
      {
        preHandler: guard.authenticated,
        schema: {
          tags: ['auth'],
          summary: 'Revoke this token',
          security: BEARER_AUTH,
          response: { 204: Type.Null(), ...ERRORS },
        },
      },
      async (request, reply) => {
        await identity.logout(guarded(request).caller);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/me',
      {
        preHandler: guard.authenticated,
        schema: {
          tags: ['auth'],
          summary: 'The logged-in user',
          security: BEARER_AUTH,
          response: { 200: MeSchema, ...ERRORS },
        },
      },
      async (request) => identity.me(guarded(request).caller.userId),
    );
  };
}
