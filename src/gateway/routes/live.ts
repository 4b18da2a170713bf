import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  InteractivityBodySchema,
  LiveTicketSchema,
  SessionSchema,
  type InteractivityBody,
} from '../../shared/api';
import type { LiveSocketDeps } from '../live/liveSocket';
import { serveLiveViewer } from '../live/liveSocket';
import type { LiveTickets } from '../live/tickets';
import type { SessionUpdates } from '../live/updatesSocket';
import { acceptWebSocket } from '../live/upgrade';
import { closeWith } from '../live/socketPolicy';
import { guarded, guardedSession, type Guard } from '../plugins/guard';
import { iso } from '../time';
import type { LiveControlService } from '../services/liveControl';
import type { WebSocketServer } from 'ws';
import { BEARER_AUTH, ERRORS, SessionIdParamsSchema } from './common';

export interface LiveRouteDeps extends LiveSocketDeps {
  guard: Guard;
  control: LiveControlService;
  tickets: LiveTickets;
  updates: SessionUpdates;
  wss: WebSocketServer;
}

const LiveQuerySchema = Type.Object(
  { ticket: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);

const SWITCHING = {
  101: { description: 'Switching Protocols: the WebSocket is open', type: 'null' },
} as const;

/** Live sessions: drop, "Hold on!", Live Stream tickets and sockets, and the session-updates push. */
export function liveRoutes(deps: LiveRouteDeps): FastifyPluginAsyncTypebox {
  const { guard, control, tickets } = deps;
  return async (app) => {
    const common = { tags: ['live'], security: BEARER_AUTH };

    app.post(
      '/sessions/:id/drop',
      {
        preHandler: guard.session('drop'),
        schema: {
          ...common,
          summary:
            'Drop a live session: both legs end at once; answers with the finished session (409 unless live)',
          params: SessionIdParamsSchema,
          response: { 200: SessionSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return control.drop(caller, session);
      },
    );

    app.put(
      '/sessions/:id/interactivity',
      {
        preHandler: guard.session('interactivity', {
          attempted: (request) => ({
            type: (request.body as InteractivityBody).blocked
              ? 'Interactivity blocked (attempted)'
              : 'Interactivity unlocked (attempted)',
          }),
        }),
        schema: {
          ...common,
          summary:
            "Block (Hold on!) or release the operator's input in a live session; 409 unless live, when already blocked or not blocked",
          params: SessionIdParamsSchema,
          body: InteractivityBodySchema,
          response: { 200: SessionSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return control.setInteractivity(caller, session, request.body.blocked);
      },
    );

    app.post(
      '/sessions/:id/live-ticket',
      {
        preHandler: guard.session('liveStream', { attempted: () => ({ type: 'Live Stream (attempted)' }) }),
        schema: {
          ...common,
          summary: 'A single-use ticket (30 s) to open the Live Stream WebSocket of this session',
          params: SessionIdParamsSchema,
          response: { 200: LiveTicketSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        const { ticket, expiresAt } = tickets.issue(caller, session.id);
        return { ticket, expiresAt: iso(expiresAt) };
      },
    );

    app.get(
      '/sessions/:id/live',
      {
        schema: {
          tags: ['live'],
          summary: 'WebSocket: the Live Stream of a session (authenticated by its ticket)',
          description:
            'Connect with `Upgrade: websocket` and `?ticket=` from POST /sessions/:id/live-ticket. The first ' +
            'message is a JSON `snapshot` (current screen), then binary frames carry terminal output and JSON ' +
            'frames `resize`, `interactivity` and `ended` (see src/shared/live.ts); the socket closes after ' +
            '`ended`. Read-only: messages sent by the viewer are ignored and a viewer that keeps sending is ' +
            'closed. Refusals close the socket with 4401 (bad ticket), 4403 (forbidden) or 4409 (not live).',
          params: SessionIdParamsSchema,
          querystring: LiveQuerySchema,
          response: { ...SWITCHING, ...ERRORS },
        },
      },
      async (request, reply) => {
        const sessionId = request.params.id;
        const ticket = request.query.ticket;
        acceptWebSocket(deps.wss, request, reply, (ws) => {
          serveLiveViewer(ws, deps, { sessionId, ticket, originIp: request.ip }).catch((err: Error) => {
            request.log.error({ err, sessionId }, 'Live viewer failed');
            closeWith(ws, 1011, 'Internal error');
          });
        });
        return reply;
      },
    );

    app.get(
      '/sessions/updates',
      {
        preHandler: guard.auditArea,
        schema: {
          ...common,
          summary: 'WebSocket: session list changes, pushed (send Authorization: Bearer TOKEN)',
          description:
            'Connect with `Upgrade: websocket` and the bearer token header. Each JSON message is a ' +
            '`SessionUpdate` `{type:"session",sessionId,change:"started"|"updated"|"finished"}` for a session ' +
            'the caller may see; reload that row. Read-only.',
          response: { ...SWITCHING, ...ERRORS },
        },
      },
      async (request, reply) => {
        const { caller } = guarded(request);
        acceptWebSocket(deps.wss, request, reply, (ws) => deps.updates.subscribe(ws, caller));
        return reply;
      },
    );
  };
}
