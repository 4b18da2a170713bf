import type {
  RiskyCommand,
  SessionCommand,
  SessionEvent,
  SessionLogHit,
  SessionLogs,
  SessionTextLine,
  SessionTextPage,
} from '../../../src/shared/api';
import { SESSION_TEXT_PAGE_SIZE } from '../../../src/shared/api';
import { fail, ok } from '../../../src/shared/result';
import type { Handlers } from './fakeVigil';
import { makeSession } from './fixtures';

/**
 * A finished session's logs as the gateway would hold them, and fake logs:* channels that page
 * and search them the way the gateway's contract says (case-insensitive substring, session order).
 */
export interface LogsFixture {
  logs: SessionLogs;
  lines: SessionTextLine[];
}

const at = (startedAt: string, offsetMs: number) => new Date(Date.parse(startedAt) + offsetMs).toISOString();

export function makeLogsFixture(
  sessionId: number,
  options: { lines?: number; risky?: RiskyCommand[]; commands?: string[]; events?: SessionEvent[] } = {},
): LogsFixture {
  const session = makeSession(sessionId, { status: 'finished', endReason: { kind: 'finished' } });
  // Two lines a second; a few of them mention the secret file, on different pages.
  const lines: SessionTextLine[] = Array.from({ length: options.lines ?? 450 }, (_, n) => ({
    n,
    offsetMs: n * 500,
    minute: Math.floor((n * 500) / 60_000),
    text: [5, 210, 420].includes(n) ? `$ grep -r Secret /srv/app # pass ${n}` : `output line ${n}`,
  }));
  const commands: SessionCommand[] = (options.commands ?? ['ls -la', 'cat /etc/secret.conf', 'exit']).map(
    (command, i) => {
      const offsetMs = 1_000 + i * 100_000;
      return {
        at: at(session.startedAt, offsetMs),
        offsetMs,
        minute: Math.floor(offsetMs / 60_000),
        command,
      };
    },
  );
  const logs: SessionLogs = {
    session,
    user: { ...session.user, originIp: session.originIp },
    riskyCommands: options.risky ?? [],
    events: options.events ?? [],
    commands,
    text: pageOf(lines, 0, SESSION_TEXT_PAGE_SIZE),
  };
  return { logs, lines };
}

export function pageOf(lines: SessionTextLine[], offset: number, limit: number): SessionTextPage {
  return {
    status: 'ready',
    message: null,
    total: lines.length,
    offset,
    items: lines.slice(offset, offset + limit),
  };
}

export function searchOf(fixture: LogsFixture, q: string, limit = 500) {
  const needle = q.toLowerCase();
  const hits: SessionLogHit[] = [
    ...fixture.logs.commands.map((c, n) => ({
      kind: 'command' as const,
      n,
      offsetMs: c.offsetMs,
      minute: c.minute,
      text: c.command,
    })),
    ...fixture.lines.map((l) => ({
      kind: 'line' as const,
      n: l.n,
      offsetMs: l.offsetMs,
      minute: l.minute,
      text: l.text,
    })),
  ]
    .filter((hit) => hit.text.toLowerCase().includes(needle))
    .sort((a, b) => a.offsetMs - b.offsetMs);
  return { q, total: hits.length, items: hits.slice(0, limit) };
}

/** The logs:* channels over one fixture; other session ids are NOT_FOUND. */
export function logsHandlers(fixture: LogsFixture): Handlers {
  const id = fixture.logs.session.id;
  const missing = () => fail('NOT_FOUND', 'Session not found');
  return {
    'logs:get': (sessionId) => (sessionId === id ? ok(fixture.logs) : missing()),
    'logs:text': ({ sessionId, offset, limit }) =>
      sessionId === id ? ok(pageOf(fixture.lines, offset, limit ?? SESSION_TEXT_PAGE_SIZE)) : missing(),
    'logs:search': ({ sessionId, q, limit }) =>
      sessionId === id ? ok(searchOf(fixture, q, limit)) : missing(),
  };
}

export const risky = (overrides: Partial<RiskyCommand> & Pick<RiskyCommand, 'rule'>): RiskyCommand => ({
  score: 50,
  criticality: 'medium',
  action: 'allow',
  command: 'sudo su -',
  at: '2025-01-01T08:01:00.000Z',
  offsetMs: 60_000,
  minute: 1,
  ...overrides,
});
