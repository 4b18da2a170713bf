import { once } from 'node:events';
import { conflict } from '../errors';
import type { LiveEndReason, LiveHub, LiveSession } from '../live/hub';
import type { RelayFrame, RelayedState } from './frames';
import type { LiveSnapshot, LiveState } from './messages';
import type { NodeBus, Unsubscribe } from './nodeBus';

/** How long the owner waits for a dropped session to report its end before answering. */
const DROP_SETTLE_MS = 5_000;

/**
 * Publishes one live session's frames, numbered from 1. Started by the first snapshot a viewer on
 * another node asks for, so sessions nobody watches from elsewhere cost no bus traffic.
 */
class FramePublisher {
  seq = 0;

  constructor(
    private readonly bus: NodeBus,
    private readonly session: LiveSession,
    private readonly onEnded: () => void,
  ) {
    session.on('output', this.onOutput);
    session.on('resize', this.onResize);
    session.on('interactivity', this.onInteractivity);
    session.once('ended', this.onEnd);
  }

  private send(frame: { kind: 'output'; data: Uint8Array } | { kind: 'state'; message: RelayedState }): void {
    this.bus.publishFrame(this.session.sessionId, { ...frame, seq: ++this.seq });
  }

  private readonly onOutput = (data: Buffer) => this.send({ kind: 'output', data });

  private readonly onResize = (cols: number, rows: number) =>
    this.send({ kind: 'state', message: { type: 'resize', cols, rows } });

  private readonly onInteractivity = (blocked: boolean, by: string, at: Date) =>
    this.send({ kind: 'state', message: { type: 'interactivity', blocked, by, at: at.toISOString() } });

  private readonly onEnd = (reason: LiveEndReason, at: Date, message: string | null) => {
    this.send({ kind: 'state', message: { type: 'ended', reason, at: at.toISOString(), message } });
    this.session.off('output', this.onOutput);
    this.session.off('resize', this.onResize);
    this.session.off('interactivity', this.onInteractivity);
    this.onEnded();
  };
}

/**
 * The owning node's side: answers other nodes' snapshot, Hold on!/release and Drop requests for
 * the sessions live on this node, and relays the frames of those watched from elsewhere.
 * Authorization and the database records stay with the node that took the request.
 */
export class LiveSessionHost {
  readonly #publishers = new Map<number, FramePublisher>();
  #unsubscribe: Unsubscribe[] = [];

  constructor(
    private readonly bus: NodeBus,
    private readonly hub: LiveHub,
  ) {}

  async start(): Promise<void> {
    this.#unsubscribe = await Promise.all([
      this.bus.serve('ping', () => ({ nodeId: this.bus.nodeId, at: Date.now() })),
      this.bus.serve('live.snapshot', ({ sessionId }) => this.snapshot(sessionId)),
      this.bus.serve('live.interactivity', ({ sessionId, blocked, by }) => {
        const live = this.connected(sessionId);
        live.setBlocked(blocked, by);
        return { sessionId, live: true, blocked: live.blocked, ended: null };
      }),
      this.bus.serve('live.drop', ({ sessionId, by }) => this.drop(sessionId, by)),
    ]);
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }

  private snapshot(sessionId: number): Promise<LiveSnapshot> {
    const live = this.connected(sessionId);
    let publisher = this.#publishers.get(sessionId);
    if (publisher === undefined) {
      const created = new FramePublisher(this.bus, live, () => {
        if (this.#publishers.get(sessionId) === created) this.#publishers.delete(sessionId);
      });
      this.#publishers.set(sessionId, created);
      publisher = created;
    }
    // The screen is exact as of this call, so the frames numbered up to now are inside it.
    const seq = publisher.seq;
    const blocked = live.blocked;
    return Promise.resolve(live.snapshot()).then((screen) => ({
      ...(screen.kind === 'raster'
        ? {
            cols: screen.width,
            rows: screen.height,
            screen: Buffer.from(screen.frame).toString('base64'),
            raster: true,
          }
        : { cols: screen.cols, rows: screen.rows, screen: screen.screen }),
      blocked,
      startedAt: live.startedAt.toISOString(),
      seq,
    }));
  }

  private async drop(sessionId: number, by: string): Promise<LiveState> {
    const live = this.connected(sessionId);
    const ended = once(live, 'ended', { signal: AbortSignal.timeout(DROP_SETTLE_MS) }).catch(() => null);
    await live.drop(by);
    const end = (await ended) as [LiveEndReason, Date, string | null] | null;
    return {
      sessionId,
      live: end === null && this.hub.get(sessionId) === live,
      blocked: live.blocked,
      ended: end === null ? null : { reason: end[0], at: end[1].toISOString(), message: end[2] },
    };
  }

  private connected(sessionId: number): LiveSession {
    const live = this.hub.get(sessionId);
    if (live === undefined) {
      throw conflict(
        `Session ${sessionId} is not connected to gateway node ${this.bus.nodeId}`,
        'NOT_CONNECTED',
      );
    }
    return live;
  }
}

/** What a viewer on another node gets: the late-join snapshot, then every frame after it, in order. */
export interface RelayedViewer {
  snapshot(snapshot: LiveSnapshot): void;
  frame(frame: RelayFrame): void;
  /** A resync that failed (the owner stopped answering): the viewer should be closed. */
  error(error: Error): void;
}

/**
 * Follows a session live on `owner` from this node. Frames are held while a snapshot is made and
 * those already in it are skipped; a frame that never arrived (NATS drops messages a slow consumer
 * cannot take) means a fresh snapshot, never a wrong screen. Resolves after the first snapshot
 * was delivered (or the end of a session that ended meanwhile); rejects, following nothing, when
 * the owner gives no snapshot.
 */
export async function followRemoteSession(
  bus: NodeBus,
  owner: string,
  sessionId: number,
  viewer: RelayedViewer,
): Promise<{ stop(): void }> {
  let state: 'syncing' | 'live' | 'stopped' = 'syncing';
  let pending: RelayFrame[] = [];
  let next = 0;
  let unsubscribe: Unsubscribe = () => undefined;
  // A function, so a check after an await is not narrowed by what was assigned before it.
  const stopped = () => state === 'stopped';

  const stop = (): void => {
    state = 'stopped';
    pending = [];
    unsubscribe();
  };

  const deliver = (frame: RelayFrame): void => {
    if (frame.seq < next) return;
    if (frame.seq > next) {
      void resync();
      return;
    }
    next = frame.seq + 1;
    viewer.frame(frame);
    if (frame.kind === 'state' && frame.message.type === 'ended') stop();
  };

  const onFrame = (frame: RelayFrame): void => {
    if (state === 'syncing') pending.push(frame);
    else if (state === 'live') deliver(frame);
  };

  const sync = async (): Promise<void> => {
    const snapshot = await bus.request(owner, 'live.snapshot', { sessionId });
    if (stopped()) return;
    viewer.snapshot(snapshot);
    state = 'live';
    next = snapshot.seq + 1;
    const held = pending;
    pending = [];
    for (const frame of held) if (state === 'live') deliver(frame);
  };

  /** No screen to show: a session that ended meanwhile still tells the viewer how it ended. */
  const endedWhileSyncing = (): boolean => {
    const ended = pending.find((f) => f.kind === 'state' && f.message.type === 'ended');
    stop();
    if (ended === undefined) return false;
    viewer.frame(ended);
    return true;
  };

  const resync = async (): Promise<void> => {
    state = 'syncing';
    pending = [];
    try {
      await sync();
    } catch (error) {
      if (stopped() || endedWhileSyncing()) return;
      viewer.error(error instanceof Error ? error : new Error(String(error)));
    }
  };

  unsubscribe = await bus.followFrames(sessionId, onFrame);
  try {
    await sync();
  } catch (error) {
    if (!endedWhileSyncing()) throw error;
  }
  return { stop };
}
