import type { WebSocket } from 'ws';
import type { LiveServerMessage } from '../../shared/live';
import type { LiveEndReason, LiveScreen, LiveSession } from './hub';
import { closeWith } from './socketPolicy';

/**
 * Slow viewers never slow the session: output is handed to each viewer's socket without waiting.
 * When a viewer's unsent bytes (ws `bufferedAmount`) pass `maxBufferedBytes`, it stops getting
 * output; once its socket drained below `resumeBelowBytes` it gets a fresh snapshot (the screen
 * as it is now) and follows again: it skips what it could not take but never shows a wrong screen.
 * A viewer that stays behind for `maxBehindMs` is closed (1013) and may reconnect.
 */
export interface ViewerLimits {
  maxBufferedBytes: number;
  resumeBelowBytes: number;
  maxBehindMs: number;
  /** How often a viewer that is behind is checked for drain. */
  drainCheckMs: number;
  /** A snapshot that takes longer closes the viewer (1011). */
  snapshotTimeoutMs: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = {
  maxBufferedBytes: 1024 * 1024,
  resumeBelowBytes: 64 * 1024,
  maxBehindMs: 20_000,
  drainCheckMs: 50,
  snapshotTimeoutMs: 10_000,
};

interface Frame {
  data: Buffer | string;
  kind: 'output' | 'state' | 'ended';
}

const json = (message: LiveServerMessage): string => JSON.stringify(message);

/**
 * Asked again whenever access may have been taken away (logout, a revoked permission): null while
 * the viewer may keep watching, else the close code and reason it is closed with.
 */
type Refusal = { code: number; reason: string } | null;
export type ViewerCheck = () => Refusal | Promise<Refusal>;

/** One viewer's socket and where it is in the stream. */
class LiveViewer {
  #state: 'syncing' | 'live' | 'behind' | 'closed' = 'syncing';
  #pending: Frame[] = [];
  #pendingBytes = 0;
  #resyncAgain = false;
  #behindSince = 0;
  #drainTimer: NodeJS.Timeout | null = null;
  #snapshotTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly session: LiveSession,
    private readonly limits: ViewerLimits,
    private readonly onClosed: (viewer: LiveViewer) => void,
    readonly check: ViewerCheck,
  ) {
    ws.on('close', () => this.closed());
  }

  /** Asks for the screen now; output from here on is queued until the snapshot went out. */
  sync(): void {
    this.#state = 'syncing';
    this.#snapshotTimer = setTimeout(() => this.unsynced(), this.limits.snapshotTimeoutMs);
    let screen: LiveScreen | Promise<LiveScreen>;
    try {
      screen = this.session.snapshot();
    } catch {
      this.close(1011, 'Could not read the live screen');
      return;
    }
    Promise.resolve(screen).then(
      (s) => this.synced(s),
      () => this.unsynced(),
    );
  }

  deliver(frame: Frame): void {
    switch (this.#state) {
      case 'closed':
        return;
      case 'syncing':
        this.queue(frame);
        return;
      case 'behind':
        // The next snapshot shows what is dropped here; only the end must still arrive.
        if (frame.kind === 'ended') this.send(frame);
        return;
      case 'live':
        if (frame.kind !== 'ended' && this.ws.bufferedAmount > this.limits.maxBufferedBytes)
          this.fallBehind();
        else this.send(frame);
    }
  }

  close(code: number, reason: string): void {
    closeWith(this.ws, code, reason);
    this.closed();
  }

  private synced(screen: LiveScreen): void {
    if (this.#state !== 'syncing') return;
    this.clearSnapshotTimer();
    if (this.#resyncAgain) {
      this.#resyncAgain = false;
      this.sync();
      return;
    }
    const state = { blocked: this.session.blocked, startedAt: this.session.startedAt.toISOString() };
    if (screen.kind === 'raster') {
      this.ws.send(
        json({ type: 'snapshot', kind: 'raster', width: screen.width, height: screen.height, ...state }),
      );
      this.ws.send(screen.frame);
    } else {
      this.ws.send(
        json({ type: 'snapshot', cols: screen.cols, rows: screen.rows, screen: screen.screen, ...state }),
      );
    }
    this.#state = 'live';
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const frame of pending) this.deliver(frame);
  }

  /** No screen to show: a session that ended meanwhile still tells the viewer how it ended. */
  private unsynced(): void {
    if (this.#state !== 'syncing') return;
    this.clearSnapshotTimer();
    const ended = this.#pending.find((f) => f.kind === 'ended');
    if (ended === undefined) {
      this.close(1011, 'Could not read the live screen');
      return;
    }
    this.#state = 'live';
    this.send(ended);
  }

  /** Output that arrives while a snapshot is made; too much of it means yet another snapshot. */
  private queue(frame: Frame): void {
    this.#pending.push(frame);
    this.#pendingBytes += frame.data.length;
    if (this.#pendingBytes > this.limits.maxBufferedBytes) {
      this.#resyncAgain = true;
      this.#pending = this.#pending.filter((f) => f.kind === 'ended');
      this.#pendingBytes = 0;
    }
  }

  private send(frame: Frame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame.data, { binary: typeof frame.data !== 'string' });
    if (frame.kind === 'ended') this.close(1000, 'Session ended');
  }

  private fallBehind(): void {
    this.#state = 'behind';
    this.#behindSince = Date.now();
    this.#drainTimer = setInterval(() => {
      if (this.ws.bufferedAmount <= this.limits.resumeBelowBytes) {
        this.clearDrainTimer();
        this.sync();
      } else if (Date.now() - this.#behindSince > this.limits.maxBehindMs) {
        this.close(1013, 'Viewer too slow to follow the session: reconnect');
      }
    }, this.limits.drainCheckMs);
  }

  private closed(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#pending = [];
    this.clearDrainTimer();
    this.clearSnapshotTimer();
    this.onClosed(this);
  }

  private clearDrainTimer(): void {
    if (this.#drainTimer !== null) clearInterval(this.#drainTimer);
    this.#drainTimer = null;
  }

  private clearSnapshotTimer(): void {
    if (this.#snapshotTimer !== null) clearTimeout(this.#snapshotTimer);
    this.#snapshotTimer = null;
  }
}

/** The viewers of one live session: one set of listeners on the session, fanned out to every viewer. */
class LiveChannel {
  readonly viewers = new Set<LiveViewer>();
  #disposed = false;

  constructor(
    readonly session: LiveSession,
    private readonly onEmpty: () => void,
  ) {
    session.on('output', this.onOutput);
    session.on('resize', this.onResize);
    session.on('interactivity', this.onInteractivity);
    session.once('ended', this.onEnded);
  }

  remove(viewer: LiveViewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) this.dispose();
  }

  private broadcast(frame: Frame): void {
    for (const viewer of [...this.viewers]) viewer.deliver(frame);
  }

  private readonly onOutput = (data: Buffer) => this.broadcast({ data, kind: 'output' });

  private readonly onResize = (cols: number, rows: number) =>
    this.broadcast({ data: json({ type: 'resize', cols, rows }), kind: 'state' });

  private readonly onInteractivity = (blocked: boolean, by: string, at: Date) =>
    this.broadcast({
      data: json({ type: 'interactivity', blocked, by, at: at.toISOString() }),
      kind: 'state',
    });

  private readonly onEnded = (reason: LiveEndReason, at: Date, message: string | null) => {
    this.broadcast({ data: json({ type: 'ended', reason, at: at.toISOString(), message }), kind: 'ended' });
    this.dispose();
  };

  private dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.session.off('output', this.onOutput);
    this.session.off('resize', this.onResize);
    this.session.off('interactivity', this.onInteractivity);
    this.session.off('ended', this.onEnded);
    // A session relayed from another node stops following its frames when nobody watches.
    (this.session as Partial<{ close(): void }>).close?.();
    this.onEmpty();
  }
}

/** Everyone watching live sessions on this gateway (several viewers per session). */
export class LiveViewers {
  readonly #channels = new Map<LiveSession, LiveChannel>();

  constructor(private readonly limits: ViewerLimits = DEFAULT_VIEWER_LIMITS) {}

  /**
   * Starts streaming `session` to `ws`: a snapshot first, then every update, then 'ended'. `check`
   * is asked again by recheck(); a viewer it refuses is closed.
   */
  attach(ws: WebSocket, session: LiveSession, check: ViewerCheck = () => null): void {
    let channel = this.#channels.get(session);
    if (channel === undefined) {
      const created = new LiveChannel(session, () => {
        if (this.#channels.get(session) === created) this.#channels.delete(session);
      });
      this.#channels.set(session, created);
      channel = created;
    }
    const joined = channel;
    const viewer = new LiveViewer(ws, session, this.limits, (v) => joined.remove(v), check);
    joined.viewers.add(viewer);
    viewer.sync();
  }

  /** Closes every viewer that may no longer watch (its login ended or it lost the permission). */
  async recheck(): Promise<void> {
    for (const channel of [...this.#channels.values()]) {
      for (const viewer of [...channel.viewers]) {
        let refusal: Refusal;
        try {
          refusal = await viewer.check();
        } catch {
          refusal = { code: 1011, reason: 'Internal error' };
        }
        if (refusal !== null) viewer.close(refusal.code, refusal.reason);
      }
    }
  }

  /** Viewers of a session right now. */
  count(sessionId: number): number {
    let n = 0;
    for (const [session, channel] of this.#channels)
      if (session.sessionId === sessionId) n += channel.viewers.size;
    return n;
  }
}
