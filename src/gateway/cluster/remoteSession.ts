import { EventEmitter } from 'node:events';
import type { LiveEndReason, LiveScreen, LiveSession, LiveSessionEvents } from '../live/hub';
import type { RelayFrame } from './frames';
import { followRemoteSession } from './liveRelay';
import type { NodeBus } from './nodeBus';

export interface RemoteSessionFacts {
  sessionId: number;
  operatorUserId: number;
  startedAt: Date;
  /** The node the session runs on. */
  owner: string;
}

/**
 * A session live on another node, as this node's Live Stream, Hold on! and Drop see it: the same
 * LiveSession the local proxy offers, its screen and events relayed over the node bus and its
 * controls sent to the owner. One per use: a viewer's copy follows the session's frames from its
 * first snapshot until it ends or the viewer leaves.
 */
export class RemoteLiveSession extends EventEmitter<LiveSessionEvents> implements LiveSession {
  readonly sessionId: number;
  readonly operatorUserId: number;
  readonly startedAt: Date;
  readonly owner: string;
  #blocked = false;
  #following: { stop(): void } | null = null;
  #ended = false;

  constructor(
    private readonly bus: NodeBus,
    facts: RemoteSessionFacts,
    /** A relay that broke (the owner stopped answering): the viewer is told the stream ended. */
    private readonly onRelayError: (error: Error) => void = () => undefined,
  ) {
    super();
    this.sessionId = facts.sessionId;
    this.operatorUserId = facts.operatorUserId;
    this.startedAt = facts.startedAt;
    this.owner = facts.owner;
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  /** Starts following the owner's frames; the screen resolves with the owner's late-join snapshot. */
  snapshot(): Promise<LiveScreen> {
    return new Promise<LiveScreen>((resolve, reject) => {
      let delivered = false;
      followRemoteSession(this.bus, this.owner, this.sessionId, {
        snapshot: (snapshot) => {
          this.#blocked = snapshot.blocked;
          delivered = true;
          resolve(
            snapshot.raster === true
              ? {
                  kind: 'raster',
                  width: snapshot.cols,
                  height: snapshot.rows,
                  frame: Buffer.from(snapshot.screen, 'base64'),
                }
              : { cols: snapshot.cols, rows: snapshot.rows, screen: snapshot.screen },
          );
        },
        frame: (frame) => this.#frame(frame),
        error: (error) => {
          this.onRelayError(error);
          this.#end('failed', new Date(), `The gateway node holding the session stopped answering`);
        },
      }).then(
        (following) => {
          this.#following = following;
          if (!delivered && !this.#ended) reject(new Error(`Session ${this.sessionId} ended`));
        },
        (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  /** Hold on! and release go through the database and every node (see LiveControlService). */
  setBlocked(blocked: boolean): void {
    this.#blocked = blocked;
  }

  /** Asks the owner to block or free the operator's input now; resolves once it did. */
  async setInteractivity(blocked: boolean, by: string): Promise<void> {
    const state = await this.bus.request(this.owner, 'live.interactivity', {
      sessionId: this.sessionId,
      blocked,
      by,
    });
    this.#blocked = state.blocked;
  }

  async drop(by: string): Promise<void> {
    const state = await this.bus.request(this.owner, 'live.drop', { sessionId: this.sessionId, by });
    if (state.ended !== null) this.#end(state.ended.reason, new Date(state.ended.at), state.ended.message);
  }

  /** Stops following (the last viewer left). */
  close(): void {
    this.#following?.stop();
    this.#following = null;
  }

  #frame(frame: RelayFrame): void {
    if (frame.kind === 'output') {
      this.emit('output', Buffer.from(frame.data));
      return;
    }
    const message = frame.message;
    if (message.type === 'resize') this.emit('resize', message.cols, message.rows);
    else if (message.type === 'interactivity') {
      this.#blocked = message.blocked;
      this.emit('interactivity', message.blocked, message.by, new Date(message.at));
    } else if (message.type === 'ended') {
      this.#end(message.reason, new Date(message.at), message.message);
    }
  }

  #end(reason: LiveEndReason, at: Date, message: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.close();
    this.emit('ended', reason, at, message);
  }
}
