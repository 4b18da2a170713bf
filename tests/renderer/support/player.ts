import type {
  DownloadStatus,
  LibraryItem,
  PlayerEvent,
  PlayerInfo,
  SigningKeyStatus,
} from '../../../src/shared/ipc';
import { ok } from '../../../src/shared/result';
import type { Handlers } from './fakeVigil';
import { base64 } from './liveMount';

/**
 * A recording behind a fake main process: the screen at a time is every output up to it, events
 * come in pages of two (so paging is exercised) and search looks through the output lines.
 */
export interface PlayerFixture {
  sessionId: number;
  info: PlayerInfo;
  /** Output text by time. */
  outputs: { atMs: number; text: string }[];
  key: SigningKeyStatus;
  item: LibraryItem;
  /** What library:list and downloads:list answer (empty: nothing kept, nothing running). */
  library: LibraryItem[];
  downloads: DownloadStatus[];
}

export function makePlayerFixture(sessionId: number, overrides: Partial<PlayerInfo> = {}): PlayerFixture {
  const outputs = [
    { atMs: 1000, text: 'login ok\r\n' },
    { atMs: 2000, text: '$ uptime\r\n' },
    { atMs: 3000, text: 'up 3 days\r\n' },
    { atMs: 20_000, text: '$ sudo -i\r\n' },
    { atMs: 21_000, text: '# whoami\r\n' },
  ];
  return {
    sessionId,
    outputs,
    key: { profileId: 'p1', keyId: 'ab'.repeat(32), publicKey: 'PEM', trusted: true },
    info: {
      playerId: 'pl-1',
      cols: 80,
      rows: 24,
      durationMs: 30_000,
      startedAt: '2025-01-01T08:00:00.000Z',
      markers: [
        { atMs: 2000, kind: 'command', note: 'uptime' },
        { atMs: 20_000, kind: 'command', note: 'sudo -i' },
        { atMs: 25_000, kind: 'block', note: 'blocked by ana' },
      ],
      activity: [10, 0, 0, 0, 40, 0],
      idleGaps: [{ fromMs: 3000, toMs: 20_000 }],
      ...overrides,
    },
    item: {
      itemId: 'item-1',
      sessionId,
      profileId: 'p1',
      gatewayUrl: 'https://127.0.0.1:8443',
      operator: 'ops.bob',
      account: 'root',
      target: 'db-1.internal',
      protocol: 'ssh',
      startedAt: '2025-01-01T08:00:00.000Z',
      endedAt: '2025-01-01T08:00:30.000Z',
      durationMs: 30_000,
      size: 2048,
      sha256: 'cd'.repeat(32),
      addedAt: '2025-01-02T08:00:00.000Z',
      imported: false,
      hasSnapshot: true,
      verification: {
        status: 'verified',
        reason: 'ok',
        checkedAt: '2025-01-02T08:00:00.000Z',
        keyId: 'ab'.repeat(32),
      },
    },
    library: [],
    downloads: [],
  };
}

export function downloadStatus(sessionId: number, overrides: Partial<DownloadStatus> = {}): DownloadStatus {
  return {
    downloadId: 'd-1',
    profileId: 'p1',
    sessionId,
    state: 'running',
    bytes: 0,
    total: 2048,
    rate: 0,
    etaSeconds: null,
    resumedFrom: 0,
    itemId: null,
    error: null,
    ...overrides,
  };
}

export function playerHandlers(fixture: PlayerFixture): Handlers {
  const events = (): PlayerEvent[] =>
    fixture.outputs.map((o) => ({ atMs: o.atMs, type: 'output' as const, data: base64(o.text) }));
  return {
    'profiles:signingKey': () => ok(fixture.key),
    'profiles:trustSigningKey': ({ keyId }) => {
      fixture.key = { ...fixture.key, trusted: keyId === fixture.key.keyId };
      return ok({
        id: 'p1',
        name: 'Production',
        url: 'https://127.0.0.1:8443',
        fingerprint: null,
        lastLogin: 'ana',
      });
    },
    'downloads:start': (sessionId) => ok(downloadStatus(sessionId)),
    'downloads:cancel': () => ok(null),
    'downloads:list': () => ok(fixture.downloads),
    'library:list': () => ok(fixture.library),
    'library:verify': () => ok(fixture.item),
    'library:reportPlay': () => ok({ pending: 0 }),
    'player:open': () => ok(fixture.info),
    'player:screenAt': ({ atMs }) => {
      const at = Math.min(Math.max(0, atMs), fixture.info.durationMs);
      const screen = fixture.outputs
        .filter((o) => o.atMs <= at)
        .map((o) => o.text)
        .join('');
      return ok({
        atMs: at,
        cols: fixture.info.cols,
        rows: fixture.info.rows,
        screen,
        cursor: { x: 0, y: 0 },
        eventsCursor: null,
      });
    },
    'player:events': ({ fromMs, toMs, cursor }) => {
      const inWindow = events().filter((e) => e.atMs > fromMs && e.atMs <= toMs);
      const start = cursor === undefined ? 0 : Number(cursor);
      const page = inWindow.slice(start, start + 2);
      return ok({ events: page, next: start + 2 < inWindow.length ? String(start + 2) : null });
    },
    'player:search': ({ q }) => {
      const hits = fixture.outputs
        .filter((o) => o.text.toLowerCase().includes(q.toLowerCase()))
        .map((o) => ({ atMs: o.atMs, text: o.text.trim() }));
      return ok({ hits, total: hits.length });
    },
    'player:close': () => ok(null),
  };
}
