import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ALERTS_SOCKET_PATH } from '../../shared/alerts';
import { badRequest } from '../errors';
import type { AlertSockets } from '../live/alerts/alertSockets';
import { checkTargets, MAX_TARGET_NAME, MAX_WATCHED_TARGETS } from '../live/alerts/watchMessage';
import { acceptWebSocket } from '../live/upgrade';
import { closeWith } from '../live/socketPolicy';
import { guarded, type Guard } from '../plugins/guard';
import type { WebSocketServer } from 'ws';
import { BEARER_AUTH, ERRORS } from './common';

export interface AlertRouteDeps {
  guard: Guard;
  alerts: AlertSockets;
  wss: WebSocketServer;
}

const AlertsQuerySchema = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    watch: Type.Optional(Type.String({ maxLength: MAX_WATCHED_TARGETS * (MAX_TARGET_NAME + 1) })),
  },
  { additionalProperties: false },
);

/** The alerts push: one WebSocket per logged-in app. */
export function alertRoutes(deps: AlertRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      ALERTS_SOCKET_PATH,
      {
        preHandler: deps.guard.auditArea,
        schema: {
          tags: ['live'],
          security: BEARER_AUTH,
          summary:
            'WebSocket: alerts about sessions the caller audits, pushed (send Authorization: Bearer TOKEN)',
          description:
            'Connect with `Upgrade: websocket` and the bearer token header. With `after` (the id of the last ' +
            'alert or `caughtUp` cursor the app kept), the alerts it missed are replayed first, marked ' +
            '`late` (the last 7 days, at most 500, newest kept); then `{type:"caughtUp",cursor}`; then ' +
            '`{type:"alert",alert}` as they happen. Kinds: riskyCommand, sessionBlocked, sessionDropped, ' +
            'operatorRefused, watchedTarget (see src/shared/alerts.ts). `watch` (comma-separated target ' +
            'names) sets the targets whose session starts are wanted from the start, replay included; the ' +
            'app changes them with `{"type":"watch","targets":[…]}`. Each alert is checked against the ' +
            "caller's current permissions; a socket whose login ended is closed with 4401.",
          querystring: AlertsQuerySchema,
          response: {
            101: { description: 'Switching Protocols: the WebSocket is open', type: 'null' },
            ...ERRORS,
          },
        },
      },
      async (request, reply) => {
        const { caller } = guarded(request);
        const watch = request.query.watch === undefined ? [] : checkTargets(splitNames(request.query.watch));
        if (typeof watch === 'string') throw badRequest(watch, 'BAD_WATCH');
        const after = request.query.after ?? null;
        acceptWebSocket(deps.wss, request, reply, (ws) => {
          deps.alerts.subscribe(ws, caller, after, watch).catch((err: Error) => {
            request.log.error({ err }, 'Alerts socket failed');
            closeWith(ws, 1011, 'Internal error');
          });
        });
        return reply;
      },
    );
  };
}

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
