import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RdpTargetChoiceSchema } from '../../shared/rdpWire';
import type { AsyncStore } from '../db/asyncStore';
import { acceptWebSocket } from '../live/upgrade';
import type { LiveTickets } from '../live/tickets';
import { guarded, type Guard } from '../plugins/guard';
import { OPERATOR_PAGE_CSP, type OperatorPage } from '../rdp/operatorPage';
import type { RdpProxy } from '../rdp/rdpProxy';
import { BEARER_AUTH, ERRORS } from './common';
import type { WebSocketServer } from 'ws';

export interface RdpRouteDeps {
  proxy: RdpProxy;
  page: OperatorPage;
  tickets: LiveTickets;
  store: AsyncStore;
  guard: Guard;
  wss: WebSocketServer;
}

const common = { tags: ['rdp'], security: BEARER_AUTH };

/** The operator's API for RDP (under the API prefix): the targets they may open, and a socket ticket. */
export function rdpApiRoutes(deps: RdpRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/rdp/targets',
      {
        preHandler: deps.guard.authenticated,
        schema: {
          ...common,
          summary: 'The RDP targets and accounts the caller may open, by target then account',
          response: { 200: Type.Array(RdpTargetChoiceSchema), ...ERRORS },
        },
      },
      async (request) => deps.store.targets.grantedChoices(guarded(request).caller.userId, 'rdp'),
    );

    app.post(
      '/rdp/ticket',
      {
        preHandler: deps.guard.authenticated,
        schema: {
          ...common,
          summary: 'A single-use ticket (30 s) to open the remote desktop socket /rdp/ws',
          response: { 200: Type.Object({ ticket: Type.String(), expiresAt: Type.String() }), ...ERRORS },
        },
      },
      async (request) => {
        const { ticket, expiresAt } = deps.tickets.issue(guarded(request).caller, 0);
        return { ticket, expiresAt: new Date(expiresAt).toISOString() };
      },
    );
  };
}

/** The operator's page at /rdp/ and its socket at /rdp/ws (outside the API prefix, same origin). */
export function registerOperatorPage(app: FastifyInstance, deps: RdpRouteDeps): void {
  const page = (type: string, body: string) => (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .type(type)
      .header('content-security-policy', OPERATOR_PAGE_CSP)
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .send(body);
  app.get('/rdp', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/rdp/'));
  app.get('/rdp/', { schema: { hide: true } }, page('text/html; charset=utf-8', deps.page.html));
  app.get(
    '/rdp/app.js',
    { schema: { hide: true } },
    page('text/javascript; charset=utf-8', deps.page.script),
  );
  app.get('/rdp/app.css', { schema: { hide: true } }, page('text/css; charset=utf-8', deps.page.style));
  app.get<{ Querystring: { ticket?: string } }>(
    '/rdp/ws',
    {
      schema: {
        hide: true,
        querystring: Type.Object({ ticket: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (request, reply) => {
      const ticket = request.query.ticket;
      acceptWebSocket(deps.wss, request, reply, (ws) => {
        deps.proxy.serve(ws, { ticket, originIp: request.ip }).catch((err: Error) => {
          request.log.error({ err }, 'Remote desktop session failed');
          ws.close(1011, 'Internal error');
        });
      });
      return reply;
    },
  );
}
