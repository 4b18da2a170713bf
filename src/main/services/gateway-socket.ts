import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket, { type RawData } from 'ws';
import { gatewayErrorFrom, type GatewayClient, type QueryValues } from './gateway-client';
import { asNetworkError } from './pinned-tls';

export interface GatewaySocketOptions {
  /** Sent as `Authorization: Bearer …` (the updates socket); the live socket uses a ticket instead. */
  token?: string;
  query?: QueryValues;
  /** Largest message accepted; a bigger one closes the socket (1009). */
  maxPayload: number;
}

/**
 * Opens a WebSocket to the gateway over a connection from GatewayClient.connectPinned, so the
 * certificate check that guards every HTTPS call guards the sockets too, before the upgrade
 * request (with its token or ticket) is written. A refused upgrade becomes the same GatewayError
 * an HTTPS call would give (status, code, message). `path` is what errors name: the query (a
 * ticket) never appears in a message. The socket resolves PAUSED: attach the 'message' and
 * 'close' listeners, then call resume(). Once open, the socket's end is its 'close' event.
 */
export async function openGatewaySocket(
  client: GatewayClient,
  path: string,
  options: GatewaySocketOptions,
): Promise<WebSocket> {
  const connection = await client.connectPinned();
  const url = client.urlFor(path, options.query);
  url.protocol = 'wss:';
  const ws = new WebSocket(url, {
    createConnection: () => connection,
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    maxPayload: options.maxPayload,
    handshakeTimeout: client.timeoutMs,
    perMessageDeflate: false,
    followRedirects: false,
  });
  // Every error is followed by 'close', which is what callers watch; without a listener an
  // error event would throw.
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('unexpected-response', onRefused);
      outcome();
    };
    // Frames that came with the upgrade answer would be emitted before the caller's listeners
    // exist; the socket stays paused until the caller attached them and calls resume().
    const onOpen = () =>
      settle(() => {
        ws.pause();
        resolve(ws);
      });
    const onError = (error: Error) => settle(() => reject(asNetworkError(error, client.base.origin)));
    const onRefused = (request: ClientRequest, response: IncomingMessage) =>
      settle(() => {
        void gatewayErrorFrom(response, 'GET', path).then((error) => {
          request.destroy();
          connection.destroy();
          reject(error);
        });
      });
    ws.once('open', onOpen);
    ws.once('error', onError);
    ws.once('unexpected-response', onRefused);
  });
}

/**
 * Pings every `intervalMs` and drops the socket when the previous ping got no pong, so a gateway
 * that vanished without closing (a cut cable, a suspended laptop) is noticed instead of leaving a
 * frozen screen. Pings are control frames: the gateway's read-only rule concerns messages.
 */
export function keepAlive(ws: WebSocket, intervalMs: number): void {
  let answered = true;
  ws.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) {
      ws.terminate();
      return;
    }
    answered = false;
    ws.ping();
  }, intervalMs);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/** A message's bytes whatever shape `ws` delivered them in. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
