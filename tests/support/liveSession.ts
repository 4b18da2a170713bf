import { EventEmitter } from 'node:events';
import type { AsyncStore } from '../../src/gateway/db/asyncStore';
import type {
  LiveEndReason,
  LiveScreen,
  LiveSession,
  LiveSessionEvents,
  TerminalScreen,
} from '../../src/gateway/live/hub';

/**
 * A LiveSession driven by the test, for the HTTP/WebSocket side of live sessions (the SSH proxy
 * has its own tests with real sshd). Its screen is everything written so far: replaying all
 * output in a terminal reproduces the screen, which is what a snapshot must do. It finishes its
 * database row on drop/end like a proxy does, and records which operator input got through.
 */
export class TestLiveSession extends EventEmitter<LiveSessionEvents> implements LiveSession {
  blocked = false;
  cols = 80;
  rows = 24;
  screen = '';
  /** Operator input that reached the "target" (not dropped while blocked). */
  readonly accepted: string[] = [];
  readonly blockCalls: { blocked: boolean; by: string }[] = [];
  droppedBy: string | null = null;
  /** Answer snapshot() this much later, as a proxy whose terminal emulation runs behind does. */
  snapshotDelayMs = 0;
  /** Make the (delayed) snapshot fail, as a terminal disposed at the session's end does. */
  snapshotFails = false;

  constructor(
    readonly sessionId: number,
    readonly operatorUserId: number,
    readonly startedAt: Date,
    private readonly store: AsyncStore,
  ) {
    super();
  }

  snapshot(): LiveScreen | Promise<LiveScreen> {
    const screen = { cols: this.cols, rows: this.rows, screen: this.screen };
    if (this.snapshotDelayMs === 0 && !this.snapshotFails) return screen;
    return new Promise((resolve, reject) =>
      setTimeout(
        () => (this.snapshotFails ? reject(new Error('terminal disposed')) : resolve(screen)),
        this.snapshotDelayMs,
      ),
    );
  }

  /** Target output. */
  output(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.screen += bytes.toString('utf8');
    this.emit('output', bytes);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.emit('resize', cols, rows);
  }

  /** Operator input: true when it got through. */
  type(input: string): boolean {
    if (this.blocked) return false;
    this.accepted.push(input);
    return true;
  }

  setBlocked(blocked: boolean, by: string): void {
    this.blockCalls.push({ blocked, by });
    this.blocked = blocked;
    this.emit('interactivity', blocked, by, new Date());
  }

  async drop(by: string): Promise<void> {
    this.droppedBy = by;
    await this.end('dropped');
  }

  /** Finishes the row, then tells the hub (as a proxy does). */
  async end(reason: LiveEndReason, message: string | null = null): Promise<void> {
    await this.store.sessions.finish(this.sessionId, Date.now(), message);
    this.emit('ended', reason, new Date(), message);
  }
}

/** A live session row plus its TestLiveSession registered in the hub. */
export async function startTestSession(
  store: AsyncStore,
  hub: { add(session: LiveSession): void },
  operatorId: number,
  overrides: { device?: string; hash?: string } = {},
): Promise<TestLiveSession> {
  const startedAt = Date.now();
  const id = await store.sessions.insert({
    hash: overrides.hash ?? `live-${Math.random().toString(16).slice(2)}`,
    userId: operatorId,
    originIp: '127.0.0.1',
    credential: 'root',
    device: overrides.device ?? 'web-001',
    protocol: 'ssh',
    proxy: 'SSH Proxy',
    status: 'live',
    startedAt,
  });
  const session = new TestLiveSession(id, operatorId, new Date(startedAt), store);
  hub.add(session);
  return session;
}

/** The late-join screen of a terminal session (an SSH session's snapshot is never a raster). */
export async function terminalSnapshot(live: LiveSession): Promise<TerminalScreen> {
  const screen = await live.snapshot();
  if (screen.kind === 'raster') throw new Error(`session ${live.sessionId} is a remote desktop`);
  return screen;
}
