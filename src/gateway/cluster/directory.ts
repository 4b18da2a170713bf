import { EventEmitter } from 'node:events';
import type { SessionUpdate } from '../../shared/live';
import type { AsyncStore } from '../db/asyncStore';
import type { LiveHub, LiveSession } from '../live/hub';
import { NodeUnreachableError, type NodeBus, type Unsubscribe } from './nodeBus';
import { LiveSessionHost } from './liveRelay';
import { RemoteLiveSession } from './remoteSession';

/** Where session changes are heard: this node's own, or every node's. */
export type SessionChanges = Pick<EventEmitter<{ update: [SessionUpdate] }>, 'on' | 'off'>;

/**
 * The live sessions as the HTTP side reaches them: on this node (its hub), or, with several nodes,
 * on the node that runs them. Hold on! and release reach every live session of the operator,
 * wherever it runs.
 */
export interface LiveDirectory {
  /** The session when it is live and connected (here, or on the node that runs it). */
  find(sessionId: number): Promise<LiveSession | undefined>;
  /**
   * Blocks or frees the input of one live session (found by `find`) that runs on another node, with
   * a request that node answers once it did; a session here is left to tellOperator. A node that
   * does not answer is logged: the block stands in the database, and tellOperator's broadcast
   * reaches the node when it can.
   */
  tellSession(live: LiveSession, blocked: boolean, by: string): Promise<void>;
  /** Tells every live session of the operator (on every node) that its input is blocked or free. */
  tellOperator(operatorUserId: number, blocked: boolean, by: string): void;
  /** The session changes of every node, for the session-updates push. */
  readonly changes: SessionChanges;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Tells the proxy after the record is committed. A session that ended in between cannot take it
 * any more; the record stands either way (it is what refuses the operator's next session).
 */
function tell(live: LiveSession, blocked: boolean, by: string): void {
  try {
    live.setBlocked(blocked, by);
  } catch {
    // The session ended between the commit and this call: nothing left to block or release.
  }
}

function tellLocal(hub: LiveHub, operatorUserId: number, blocked: boolean, by: string): void {
  for (const live of hub.list()) if (live.operatorUserId === operatorUserId) tell(live, blocked, by);
}

/** One gateway: every live session is in its own hub. */
export class LocalDirectory implements LiveDirectory {
  constructor(private readonly hub: LiveHub) {}

  get changes(): SessionChanges {
    return this.hub;
  }

  find(sessionId: number): Promise<LiveSession | undefined> {
    return Promise.resolve(this.hub.get(sessionId));
  }

  tellSession(): Promise<void> {
    return Promise.resolve();
  }

  tellOperator(operatorUserId: number, blocked: boolean, by: string): void {
    tellLocal(this.hub, operatorUserId, blocked, by);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Several gateway nodes on one database and one node bus. A session not in this node's hub is
 * looked up in `node_sessions` and reached on its node; this node's changes are broadcast and every
 * node's are heard; blocks are applied by each node to its own sessions of the operator.
 */
export class ClusterDirectory implements LiveDirectory {
  readonly #changes = new EventEmitter<{ update: [SessionUpdate] }>();
  readonly #host: LiveSessionHost;
  #unsubscribe: Unsubscribe[] = [];

  constructor(
    private readonly bus: NodeBus,
    private readonly hub: LiveHub,
    private readonly store: AsyncStore,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.#host = new LiveSessionHost(bus, hub);
  }

  get changes(): SessionChanges {
    return this.#changes;
  }

  async start(): Promise<void> {
    await this.#host.start();
    this.#unsubscribe = await Promise.all([
      this.bus.listen('sessions.updated', (update) => this.#changes.emit('update', update)),
      this.bus.listen('blocks.changed', ({ operatorUserId, blocked, by }) =>
        tellLocal(this.hub, operatorUserId, blocked, by),
      ),
    ]);
    this.hub.on('update', this.#broadcast);
  }

  async stop(): Promise<void> {
    this.hub.off('update', this.#broadcast);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#host.stop();
    await Promise.resolve();
  }

  async find(sessionId: number): Promise<LiveSession | undefined> {
    const local = this.hub.get(sessionId);
    if (local !== undefined) return local;
    const owner = await this.store.nodeSessions.ownerOf(sessionId);
    if (owner === null || owner === this.bus.nodeId) return undefined;
    const session = await this.store.sessions.get(sessionId, 0);
    if (session === null || session.status !== 'live') return undefined;
    try {
      await this.bus.request(owner, 'ping', {});
    } catch (error) {
      if (error instanceof NodeUnreachableError) return undefined;
      throw error;
    }
    return new RemoteLiveSession(
      this.bus,
      {
        sessionId,
        operatorUserId: session.user.id,
        startedAt: new Date(session.startedAt),
        owner,
      },
      (error) =>
        this.log(`Live Stream relay of session ${sessionId} from node ${owner} ended: ${error.message}`),
    );
  }

  async tellSession(live: LiveSession, blocked: boolean, by: string): Promise<void> {
    if (!(live instanceof RemoteLiveSession)) return;
    try {
      await live.setInteractivity(blocked, by);
    } catch (error) {
      this.log(
        `Gateway node ${live.owner} did not apply ${blocked ? 'Hold on!' : 'the release'} to session ${live.sessionId}: ${(error as Error).message}`,
      );
    }
  }

  tellOperator(operatorUserId: number, blocked: boolean, by: string): void {
    this.bus.broadcast('blocks.changed', { operatorUserId, blocked, by });
  }

  readonly #broadcast = (update: SessionUpdate): void => {
    this.bus.broadcast('sessions.updated', update);
  };
}
