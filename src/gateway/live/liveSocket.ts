import type { WebSocket } from 'ws';
import { LIVE_CLOSE } from '../../shared/live';
import { GatewayError } from '../errors';
import type { Guard } from '../plugins/guard';
import type { IdentityService } from '../services/identity';
import type { LiveControlService } from '../services/liveControl';
import type { LiveDirectory } from '../cluster/directory';
import { closeWith, pushOnly } from './socketPolicy';
import type { LiveTickets } from './tickets';
import type { LiveViewers } from './viewers';

export interface LiveSocketDeps {
  tickets: LiveTickets;
  identity: IdentityService;
  guard: Guard;
  /** Live sessions here or, with several nodes, on the node that runs them. */
  live: LiveDirectory;
  viewers: LiveViewers;
  control: LiveControlService;
}

/**
 * One Live Stream viewer (`/sessions/:id/live?ticket=…`). The ticket proves who asked for it; the
 * decision is taken again now through the route guard's own check, because permissions or the
 * login may have changed since the ticket was issued. Refusals close the socket with LIVE_CLOSE
 * codes (a browser sees close codes, not handshake statuses).
 */
export async function serveLiveViewer(
  ws: WebSocket,
  deps: LiveSocketDeps,
  request: { sessionId: number; ticket: string | undefined; originIp: string | null },
): Promise<void> {
  pushOnly(ws);
  const { sessionId } = request;
  const grant = request.ticket === undefined ? null : deps.tickets.redeem(request.ticket, sessionId);
  if (grant === null) {
    closeWith(ws, LIVE_CLOSE.badTicket, 'The live ticket is invalid, expired, used or for another session');
    return;
  }
  const caller = await deps.identity.authenticateHash(grant.tokenHash, request.originIp);
  if (caller === null || caller.userId !== grant.userId) {
    closeWith(ws, LIVE_CLOSE.badTicket, 'The login behind this ticket ended: log in again');
    return;
  }
  try {
    await deps.guard.authorizeSession(caller, sessionId, 'liveStream');
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    closeWith(ws, error.statusCode === 409 ? LIVE_CLOSE.notLive : LIVE_CLOSE.forbidden, error.message);
    return;
  }
  const live = await deps.live.find(sessionId);
  if (live === undefined) {
    closeWith(ws, LIVE_CLOSE.notLive, `Session ${sessionId} is not connected to this gateway`);
    return;
  }
  let ended = false;
  live.once('ended', () => (ended = true));
  await deps.control.recordViewer(caller, sessionId);
  if (ws.readyState !== ws.OPEN) return;
  if (ended) {
    closeWith(ws, LIVE_CLOSE.notLive, `Session ${sessionId} ended`);
    return;
  }
  deps.viewers.attach(ws, live, async () => {
    // The same decision as above, taken again with the login and permissions as they are now.
    const now = await deps.identity.authenticateHash(grant.tokenHash, request.originIp);
    if (now === null) return { code: LIVE_CLOSE.badTicket, reason: 'The login ended: log in again' };
    try {
      await deps.guard.authorizeSession(now, sessionId, 'liveStream');
      return null;
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      // A session that is no longer live ends through its own 'ended' message.
      return error.statusCode === 409 ? null : { code: LIVE_CLOSE.forbidden, reason: error.message };
    }
  });
}
