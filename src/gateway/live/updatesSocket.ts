import type { WebSocket } from 'ws';
import { LIVE_CLOSE, type SessionUpdate } from '../../shared/live';
import { GatewayError } from '../errors';
import type { Guard } from '../plugins/guard';
import type { Caller } from '../services/caller';
import type { IdentityService } from '../services/identity';
import type { SessionChanges } from '../cluster/directory';
import { closeWith, pushOnly } from './socketPolicy';

/** A subscriber this far behind is closed (1013); it reconnects and reloads its list. */
const MAX_BUFFERED_BYTES = 256 * 1024;

interface Subscriber {
  ws: WebSocket;
  tokenHash: string;
  originIp: string | null;
  /** The pushes in flight: each waits for the one before, so updates arrive in order. */
  sending: Promise<void>;
}

/**
 * `/sessions/updates`: pushes a SessionUpdate whenever a session row changes, so lists update in
 * place. Each update goes only to subscribers who may see that session, decided by the
 * route guard's check with the subscriber's current login and permissions; a subscriber whose
 * login ended is closed.
 */
export class SessionUpdates {
  readonly #subscribers = new Set<Subscriber>();

  constructor(
    /** Session changes of this node, or of every node. */
    private readonly hub: SessionChanges,
    private readonly identity: IdentityService,
    private readonly guard: Guard,
  ) {
    hub.on('update', this.onUpdate);
  }

  subscribe(ws: WebSocket, caller: Caller): void {
    pushOnly(ws);
    const subscriber: Subscriber = {
      ws,
      tokenHash: caller.tokenHash,
      originIp: caller.originIp,
      sending: Promise.resolve(),
    };
    this.#subscribers.add(subscriber);
    ws.on('close', () => this.#subscribers.delete(subscriber));
  }

  get size(): number {
    return this.#subscribers.size;
  }

  /** Closes the subscribers whose login ended (logout, disabled user) without waiting for an update. */
  async recheck(): Promise<void> {
    for (const subscriber of [...this.#subscribers]) {
      if ((await this.identity.authenticateHash(subscriber.tokenHash, subscriber.originIp)) === null)
        closeWith(subscriber.ws, LIVE_CLOSE.badTicket, 'The login ended: log in again');
    }
  }

  dispose(): void {
    this.hub.off('update', this.onUpdate);
  }

  private readonly onUpdate = (update: SessionUpdate) => {
    const message = JSON.stringify(update);
    for (const subscriber of this.#subscribers) {
      subscriber.sending = subscriber.sending.then(() => this.push(subscriber, update, message));
    }
  };

  private async push(subscriber: Subscriber, update: SessionUpdate, message: string): Promise<void> {
    const { ws } = subscriber;
    if (ws.readyState !== ws.OPEN) return;
    let audience: 'visible' | 'hidden' | 'loggedOut';
    try {
      audience = await this.audience(subscriber, update.sessionId);
    } catch {
      // Whatever failed here must not reach the proxy that emitted the update.
      closeWith(ws, 1011, 'Internal error');
      return;
    }
    if (audience === 'loggedOut') closeWith(ws, LIVE_CLOSE.badTicket, 'The login ended: log in again');
    else if (audience === 'hidden') return;
    else if (ws.bufferedAmount > MAX_BUFFERED_BYTES)
      closeWith(ws, 1013, 'Too far behind: reconnect and reload');
    else ws.send(message);
  }

  private async audience(
    subscriber: Subscriber,
    sessionId: number,
  ): Promise<'visible' | 'hidden' | 'loggedOut'> {
    const caller = await this.identity.authenticateHash(subscriber.tokenHash, subscriber.originIp);
    if (caller === null) return 'loggedOut';
    try {
      await this.guard.authorizeSession(caller, sessionId, 'view');
      return 'visible';
    } catch (error) {
      if (error instanceof GatewayError) return 'hidden';
      throw error;
    }
  }
}
