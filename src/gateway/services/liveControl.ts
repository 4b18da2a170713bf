import { once } from 'node:events';
import type { Block, BlockList, BlockQuery, Session } from '../../shared/api';
import type { EventType } from '../../shared/events';
import { decideOwnSession } from '../../shared/policy';
import type { BlockRecord } from '../db/blocks';
import type { SessionRecord } from '../db/sessionTypes';
import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';
import { conflict, forbidden, notFound } from '../errors';
import type { LiveDirectory } from '../cluster/directory';
import type { LiveHub, LiveSession } from '../live/hub';
import { iso, type Clock } from '../time';
import { callerEvent, type Caller } from './caller';
import { auditorsBySession, toApiSession, toUserRef } from './mappers';

/** How long a drop waits for the proxy to report the session ended after both legs closed. */
const DROP_SETTLE_MS = 5_000;

/**
 * Drop, "Hold on!" (block/release interactivity) and the Blocked users report.
 * Authorization happened in the route guard; these methods receive the authorized caller and
 * session. The database is the truth about blocks; the live session (from the LiveHub) is told
 * afterwards, so a block outlives its session and keeps refusing the operator's new sessions.
 */
export class LiveControlService {
  readonly #dropping = new Set<number>();

  constructor(
    private readonly store: AsyncStore,
    private readonly hub: LiveHub,
    /** Live sessions on this node or, with several nodes, on the one that runs them. */
    private readonly live: LiveDirectory,
    private readonly clock: Clock,
  ) {}

  /** Ends both legs at once; answers with the finished session. */
  async drop(caller: Caller, session: SessionRecord): Promise<Session> {
    const live = await this.connected(session, 'dropped');
    if (this.#dropping.has(session.id))
      throw conflict(`Session ${session.id} is already being dropped`, 'INVALID_STATE');
    this.#dropping.add(session.id);
    try {
      await this.event(
        this.store,
        caller,
        'Drop session',
        session.id,
        `Dropped the session of ${session.user.login}`,
      );
      const ended = once(live, 'ended', { signal: AbortSignal.timeout(DROP_SETTLE_MS) }).catch(
        () => undefined,
      );
      await live.drop(caller.login);
      if (this.hub.get(session.id) === live) await ended;
    } finally {
      this.#dropping.delete(session.id);
    }
    return this.reload(caller, session.id);
  }

  /** Blocks (true) or releases (false) the operator's input in a live session. */
  async setInteractivity(caller: Caller, session: SessionRecord, blocked: boolean): Promise<Session> {
    const live = await this.connected(session, blocked ? 'blocked' : 'released');
    if (blocked) {
      await this.store.transaction(async (tx) => {
        const block = await tx.blocks.create({
          sessionId: session.id,
          blockedUserId: session.user.id,
          authorId: caller.userId,
          at: this.clock(),
        });
        if (block === null)
          throw conflict('Interactivity is already blocked in this session', 'ALREADY_BLOCKED');
        await this.event(
          tx,
          caller,
          'Interactivity blocked',
          session.id,
          `Blocked the input of ${session.user.login}`,
        );
      });
      // The session's own node answers first; then every node applies it to the operator's others.
      await this.live.tellSession(live, true, caller.login);
      this.tellOperator(session.user.id, true, caller.login);
    } else {
      // The session's own block, or the operator's block set in another of their sessions.
      const block =
        (await this.store.blocks.activeForSession(session.id)) ??
        // A session on another node: its blocks are in the database.
        (live.blocked || this.hub.get(session.id) !== live
          ? await this.store.blocks.activeBlockForUser(session.user.id)
          : null);
      if (block === null) throw conflict('Interactivity is not blocked in this session', 'NOT_BLOCKED');
      await this.releaseRecord(caller, block);
      await this.releaseOperatorIfFree(session.user.id, caller.login, live);
    }
    return this.reload(caller, session.id);
  }

  async listBlocks(query: BlockQuery): Promise<BlockList> {
    return { items: (await this.store.blocks.list(query.status)).map(toApiBlock) };
  }

  /** Releases a block from the report; a session still live gets its operator's input back. */
  async releaseBlock(caller: Caller, blockId: number): Promise<Block> {
    const block = await this.store.blocks.get(blockId);
    if (block === null) throw notFound(`Block ${blockId} not found`);
    const own = decideOwnSession('interactivity', block.blockedUser.id === caller.userId);
    if (!own.allowed) {
      await this.event(
        this.store,
        caller,
        'Interactivity unlocked (attempted)',
        block.sessionId,
        `Refused: ${own.reason}`,
      );
      throw forbidden(own.reason);
    }
    await this.releaseRecord(caller, block);
    if (this.hub.get(block.sessionId) === undefined) this.hub.notify(block.sessionId, 'updated');
    await this.releaseOperatorIfFree(block.blockedUser.id, caller.login);
    return toApiBlock((await this.store.blocks.get(blockId))!);
  }

  /** The session of a block, for the "(attempted)" event of a refused release. */
  async sessionOfBlock(blockId: number): Promise<number | null> {
    return (await this.store.blocks.get(blockId))?.sessionId ?? null;
  }

  /** Each viewer's start is evidence. */
  recordViewer(caller: Caller, sessionId: number): Promise<void> {
    return this.event(this.store, caller, 'Live Stream', sessionId, 'Started watching the live session');
  }

  private async releaseRecord(caller: Caller, block: BlockRecord): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.blocks.release(block.id, caller.userId, this.clock()))) {
        throw conflict(`Block ${block.id} was already released`, 'NOT_BLOCKED');
      }
      await this.event(
        tx,
        caller,
        'Interactivity unlocked',
        block.sessionId,
        `Released the input of ${block.blockedUser.login}`,
      );
    });
  }

  /** Every live session of the operator follows its blocks, not only the one a block was set in. */
  private tellOperator(userId: number, blocked: boolean, by: string): void {
    this.live.tellOperator(userId, blocked, by);
  }

  /** Gives the operator's input back once none of their blocks is active any more. */
  private async releaseOperatorIfFree(userId: number, by: string, live?: LiveSession): Promise<void> {
    if ((await this.store.blocks.activeBlockForUser(userId)) !== null) return;
    if (live !== undefined) await this.live.tellSession(live, false, by);
    this.tellOperator(userId, false, by);
  }

  /** The live session behind a row the database calls live; a row without one is stale. */
  private async connected(session: SessionRecord, verb: string): Promise<LiveSession> {
    const live = await this.live.find(session.id);
    if (live === undefined) {
      throw conflict(
        `Session ${session.id} is marked live but is not connected to this gateway (left over from a restart?), so it cannot be ${verb}`,
        'NOT_CONNECTED',
      );
    }
    return live;
  }

  private async reload(caller: Caller, id: number): Promise<Session> {
    const record = await this.store.sessions.get(id, caller.userId);
    if (record === null) throw notFound(`Session ${id} not found`);
    const auditors = auditorsBySession(await this.store.auditors.forSessions([id]));
    return toApiSession(record, caller.principal, auditors.get(id) ?? []);
  }

  private async event(
    repos: Pick<AsyncRepositories, 'events'>,
    caller: Caller,
    type: EventType,
    sessionId: number,
    note: string,
  ): Promise<void> {
    await repos.events.append(callerEvent(caller, type, this.clock(), sessionId, note));
  }
}

export function toApiBlock(b: BlockRecord): Block {
  return {
    id: b.id,
    sessionId: b.sessionId,
    blockedUser: toUserRef(b.blockedUser),
    author: toUserRef(b.author),
    blockedAt: iso(b.blockedAt),
    releasedAt: b.releasedAt === null ? null : iso(b.releasedAt),
    releaser: b.releaser === null ? null : toUserRef(b.releaser),
  };
}
