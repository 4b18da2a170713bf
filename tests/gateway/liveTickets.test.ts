import { describe, expect, test } from 'vitest';
import { LiveTickets } from '../../src/gateway/live/tickets';
import type { Caller } from '../../src/gateway/services/caller';

const caller = (userId: number): Caller => ({
  userId,
  login: `u${userId}`,
  name: `User ${userId}`,
  principal: { roles: ['PAM Auditor'], permissions: ['PAM.SessionManagement.Livestream'] },
  tokenHash: `token-of-${userId}`,
  originIp: '127.0.0.1',
});

describe('LiveTickets', () => {
  test('a ticket is random, bound to its user and session, and works once', () => {
    const tickets = new LiveTickets(() => 1_000);
    const a = tickets.issue(caller(1), 7);
    const b = tickets.issue(caller(1), 7);
    expect(a.ticket).not.toBe(b.ticket);
    expect(a.expiresAt).toBe(31_000);
    expect(tickets.redeem(a.ticket, 7)).toEqual({ userId: 1, tokenHash: 'token-of-1', sessionId: 7 });
    expect(tickets.redeem(a.ticket, 7)).toBeNull();
    expect(tickets.redeem(b.ticket, 8)).toBeNull();
    expect(tickets.redeem(b.ticket, 7)).toBeNull(); // burned by the wrong session
    expect(tickets.size).toBe(0);
  });

  test('expires after 30 s', () => {
    let now = 0;
    const tickets = new LiveTickets(() => now);
    const { ticket } = tickets.issue(caller(1), 7);
    const other = tickets.issue(caller(1), 7);
    now = 29_999;
    expect(tickets.redeem(ticket, 7)).not.toBeNull();
    now = 30_000;
    expect(tickets.redeem(other.ticket, 7)).toBeNull();
    expect(tickets.size).toBe(0);
  });

  test('unused tickets are bounded per user: the oldest are forgotten', () => {
    const tickets = new LiveTickets(() => 0);
    const first = tickets.issue(caller(1), 7);
    const mine = Array.from({ length: 20 }, () => tickets.issue(caller(1), 7));
    const theirs = tickets.issue(caller(2), 7);
    expect(tickets.size).toBe(17);
    expect(tickets.redeem(first.ticket, 7)).toBeNull();
    expect(tickets.redeem(mine.at(-1)!.ticket, 7)).not.toBeNull();
    expect(tickets.redeem(theirs.ticket, 7)).not.toBeNull();
  });
});
