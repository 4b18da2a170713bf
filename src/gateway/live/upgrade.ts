import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { badRequest } from '../errors';

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, PendingUpgrade>();

/** Viewers and update subscribers only ever send tiny control frames (they are read-only). */
const MAX_INCOMING_FRAME = 4096;

/**
 * WebSocket upgrades go through fastify's router like any request, so the same route guard,
 * validation and error answers apply before the handshake: a refused upgrade gets a normal
 * `{error:{code,message}}` HTTP answer and its socket is closed. A route accepts the upgrade with
 * `acceptWebSocket`.
 */
export function routeUpgrades(app: FastifyInstance): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_INCOMING_FRAME,
    perMessageDeflate: false,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.set(request, { socket, head });
    socket.on('error', () => socket.destroy());
    const response = new ServerResponse(request);
    response.assignSocket(socket as never);
    // An HTTP answer (refusal, error) ends the exchange: this socket is not reused for requests.
    response.once('finish', () => socket.destroy());
    app.routing(request, response);
  };
  app.server.on('upgrade', onUpgrade);
  app.addHook('preClose', async () => {
    app.server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.close(1001, 'Gateway shutting down');
    // Clients that do not answer the close handshake promptly are cut.
    await new Promise((resolve) => setTimeout(resolve, wss.clients.size === 0 ? 0 : 200));
    for (const client of wss.clients) client.terminate();
  });
  return wss;
}

/**
 * Completes the handshake of an upgrade request and hands the socket to `onOpen`; a plain HTTP
 * request gets a 400. Return `reply` from the handler afterwards (fastify no longer answers it).
 */
export function acceptWebSocket(
  wss: WebSocketServer,
  request: FastifyRequest,
  reply: FastifyReply,
  onOpen: (ws: WebSocket) => void,
): void {
  const pending = upgrades.get(request.raw);
  if (pending === undefined) {
    throw badRequest(
      'This endpoint is a WebSocket: connect with an Upgrade: websocket request',
      'WEBSOCKET_REQUIRED',
    );
  }
  upgrades.delete(request.raw);
  reply.hijack();
  // ws answers a malformed handshake itself (400) and then never calls back.
  wss.handleUpgrade(request.raw, pending.socket, pending.head, onOpen);
}
