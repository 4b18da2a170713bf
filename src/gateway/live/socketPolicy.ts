import type { WebSocket } from 'ws';

/** Limits of the gateway's server-push sockets (live viewers and session updates). */
export interface SocketLimits {
  /** A client that sends more than this many messages within `incomingWindowMs` is closed. */
  maxIncoming: number;
  incomingWindowMs: number;
  /** Ping period; a client that did not answer the previous ping is cut. */
  heartbeatMs: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  maxIncoming: 20,
  incomingWindowMs: 10_000,
  heartbeatMs: 30_000,
};

/** Close reasons are limited to 123 bytes by the WebSocket protocol. */
export function closeWith(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) return;
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  ws.close(code, text);
}

/**
 * These sockets only push: whatever a client sends is ignored, and a client that keeps sending is
 * closed (1008). A client that stops answering pings is cut, so dead viewers do not pile up.
 */
export function pushOnly(ws: WebSocket, limits: SocketLimits = DEFAULT_SOCKET_LIMITS): void {
  let windowStart = Date.now();
  let received = 0;
  ws.on('message', () => {
    const now = Date.now();
    if (now - windowStart > limits.incomingWindowMs) {
      windowStart = now;
      received = 0;
    }
    received++;
    if (received > limits.maxIncoming) closeWith(ws, 1008, 'This socket is read-only: stop sending');
  });
  let alive = true;
  ws.on('pong', () => (alive = true));
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, limits.heartbeatMs);
  timer.unref();
  ws.on('close', () => clearInterval(timer));
  // Errors (resets, oversized frames) are followed by 'close'; nothing else to do with them.
  ws.on('error', () => undefined);
}
