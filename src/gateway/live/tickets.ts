import { hashToken, newToken } from '../crypto/tokens';
import type { Caller } from '../services/caller';
import type { Clock } from '../time';

export const LIVE_TICKET_TTL_MS = 30_000;
/** Unused tickets a user may hold at once; issuing more forgets that user's oldest. */
const MAX_TICKETS_PER_USER = 16;

/** Who a redeemed ticket was issued to; the token hash lets the socket re-check the login. */
export interface TicketGrant {
  userId: number;
  tokenHash: string;
  sessionId: number;
}

interface Entry extends TicketGrant {
  expiresAt: number;
}

/**
 * Live Stream tickets: random, single use, valid 30 s, bound to one user and one session.
 * A WebSocket URL ends up in logs and browser history, so it carries this short-lived ticket
 * instead of the bearer token. Only SHA-256 hashes are kept, in memory: a gateway restart simply
 * invalidates outstanding tickets.
 */
export class LiveTickets {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = LIVE_TICKET_TTL_MS,
  ) {}

  issue(caller: Caller, sessionId: number): { ticket: string; expiresAt: number } {
    this.prune();
    const mine = [...this.#entries].filter(([, e]) => e.userId === caller.userId);
    for (const [hash] of mine.slice(0, Math.max(0, mine.length - MAX_TICKETS_PER_USER + 1))) {
      this.#entries.delete(hash);
    }
    const ticket = newToken();
    const expiresAt = this.clock() + this.ttlMs;
    this.#entries.set(hashToken(ticket), {
      userId: caller.userId,
      tokenHash: caller.tokenHash,
      sessionId,
      expiresAt,
    });
    return { ticket, expiresAt };
  }

  /**
   * The grant of a valid ticket for this session, or null. Any ticket presented is used up, even
   * for the wrong session, so a leaked ticket cannot be tried twice.
   */
  redeem(ticket: string, sessionId: number): TicketGrant | null {
    const hash = hashToken(ticket);
    const entry = this.#entries.get(hash);
    if (entry === undefined) return null;
    this.#entries.delete(hash);
    if (entry.expiresAt <= this.clock() || entry.sessionId !== sessionId) return null;
    return { userId: entry.userId, tokenHash: entry.tokenHash, sessionId: entry.sessionId };
  }

  /** Outstanding (unused, unexpired) tickets. */
  get size(): number {
    this.prune();
    return this.#entries.size;
  }

  private prune(): void {
    const now = this.clock();
    for (const [hash, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(hash);
  }
}
