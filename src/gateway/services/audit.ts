import type {
  AuditEventList,
  AuditEventQuery,
  ChainProblem,
  ChainStatus,
  ChainVerifyScope,
} from '../../shared/api';
import type { AuditCheckpoint } from '../../shared/auditCheckpoint';
import { GENESIS_HASH, type ChainLink, type CheckpointRecord } from '../db/events';
import type { ChainCheckpoints } from './chainCheckpoints';
import type { AsyncStore } from '../db/asyncStore';
import { toApiEvent } from './mappers';
import { paging, toEventFilter } from './queries';

export interface AuditOptions {
  /** Events checked between two turns of the event loop. */
  chunkRows: number;
}

export const DEFAULT_AUDIT: AuditOptions = { chunkRows: 2000 };

/** Where the last successful verification ended, so the next one can check only what came after. */
const CHECKPOINT_KEY = 'audit_chain_verified';
/** The newest signed checkpoint the last successful verification found intact. */
const SIGNED_KEY = 'audit_checkpoint_verified';

const problem = (
  kind: ChainProblem['kind'],
  message: string,
  at: { eventId?: number; checkpointSeq?: number; trailEndsAt?: number },
): ChainProblem => ({
  kind,
  message,
  eventId: at.eventId ?? null,
  checkpointSeq: at.checkpointSeq ?? null,
  trailEndsAt: at.trailEndsAt ?? null,
});

const missingCheckpoint = (seq: number): ChainProblem =>
  problem('checkpoint-missing', `signed checkpoint ${seq} was removed`, { checkpointSeq: seq });

/** Reading the audit trail and proving it is intact. */
export class AuditService {
  private readonly running = new Map<ChainVerifyScope, Promise<ChainStatus>>();

  constructor(
    private readonly store: AsyncStore,
    private readonly checkpoints: ChainCheckpoints,
    private readonly options: AuditOptions = DEFAULT_AUDIT,
  ) {}

  async list(query: AuditEventQuery): Promise<AuditEventList> {
    const { page, pageSize, offset } = paging(query);
    const { total, items } = await this.store.events.list(toEventFilter(query), offset, pageSize);
    return { items: items.map(toApiEvent), total, page, pageSize };
  }

  /**
   * Recomputes the hash chain: `all` from the first event, `new` from where the last successful
   * verification ended (after checking that event still holds the hash it was verified with). The
   * signed checkpoints are checked first (all of them, or those from the last one found intact):
   * they tell a trail whose newest events were removed, or whose chain was recomputed after an
   * edit, which the chain alone cannot. The walk runs in chunks with the event loop free between them, and callers asking while one runs
   * share its answer, so verifying millions of events never stalls the API nor piles up.
   */
  verify(scope: ChainVerifyScope = 'all'): Promise<ChainStatus> {
    let run = this.running.get(scope);
    if (run === undefined) {
      run = this.walk(scope).finally(() => this.running.delete(scope));
      this.running.set(scope, run);
    }
    return run;
  }

  private async walk(scope: ChainVerifyScope): Promise<ChainStatus> {
    const signed = await this.checkSignedCheckpoints(scope);
    if (signed.problem !== null) return this.failed(signed.problem, signed.last);
    let from: ChainLink = { id: 0, hash: GENESIS_HASH };
    if (scope === 'new') {
      const verified = await this.checkpoint();
      if (verified !== null) {
        const problem = await this.stillHolds(verified);
        if (problem !== null) return this.failed(problem, signed.last);
      }
      from = verified ?? from;
    }
    for (;;) {
      const chunk = await this.store.events.verifyChunk(from, this.options.chunkRows);
      if (chunk.brokenAt !== null) {
        return this.failed(
          problem('broken', `event ${chunk.brokenAt} does not chain to the event before it`, {
            eventId: chunk.brokenAt,
          }),
          signed.last,
        );
      }
      from = chunk.last;
      if (chunk.done) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (from.id > ((await this.checkpoint())?.id ?? 0))
      await this.store.meta.set(CHECKPOINT_KEY, JSON.stringify(from));
    if (signed.last !== null) await this.store.meta.set(SIGNED_KEY, String(signed.last.body.seq));
    return { ok: true, events: from.id, brokenAt: null, lastCheckpoint: signed.last, problem: null };
  }

  /**
   * Checks the signed checkpoints (`all`: every one; `new`: from the last one a verification found
   * intact): each must follow the previous number, verify with the gateway's key, and name an event
   * that still exists with the hash it was signed with. Returns the newest intact one.
   */
  private async checkSignedCheckpoints(
    scope: ChainVerifyScope,
  ): Promise<{ last: AuditCheckpoint | null; problem: ChainProblem | null }> {
    const verifiedSeq = scope === 'new' ? Number((await this.store.meta.get(SIGNED_KEY)) ?? 0) : 0;
    let expected = Math.max(verifiedSeq, 1);
    let last: AuditCheckpoint | null = null;
    for (;;) {
      const records = await this.store.events.checkpointsFrom(expected, this.options.chunkRows);
      if (records.length === 0 && expected <= verifiedSeq) {
        return { last, problem: missingCheckpoint(expected) };
      }
      for (const record of records) {
        if (record.seq !== expected) return { last, problem: missingCheckpoint(expected) };
        const found = await this.checkOne(record);
        if (found.problem !== null) return { last, problem: found.problem };
        last = found.checkpoint;
        expected++;
      }
      if (records.length < this.options.chunkRows) return { last, problem: null };
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async checkOne(
    record: CheckpointRecord,
  ): Promise<{ checkpoint: AuditCheckpoint; problem: null } | { problem: ChainProblem }> {
    const signature = this.checkpoints.check(record);
    if (!signature.ok) {
      return {
        problem: problem('signature', `checkpoint ${record.seq} does not check out: ${signature.reason}`, {
          eventId: record.eventId,
          checkpointSeq: record.seq,
        }),
      };
    }
    const hash = await this.store.events.hashOf(record.eventId);
    if (hash === null) {
      const end = (await this.store.events.head())?.id ?? 0;
      return {
        problem: problem(
          'truncated',
          `checkpoint ${record.seq} signed event ${record.eventId}, but the trail now ends at ${end === 0 ? 'no event' : `event ${end}`}`,
          { eventId: record.eventId, checkpointSeq: record.seq, trailEndsAt: end },
        ),
      };
    }
    if (hash !== record.hash) {
      return {
        problem: problem(
          'rewritten',
          `checkpoint ${record.seq} signed event ${record.eventId} with another hash: events up to it were changed and the chain recomputed`,
          { eventId: record.eventId, checkpointSeq: record.seq },
        ),
      };
    }
    return { checkpoint: signature.checkpoint, problem: null };
  }

  /** The event a verification ended on still exists, with its content and the hash it was verified with. */
  private async stillHolds(verified: ChainLink): Promise<ChainProblem | null> {
    const prevHash = await this.store.events.prevHashOf(verified.id);
    if (prevHash === null) {
      const end = (await this.store.events.head())?.id ?? 0;
      return problem(
        'truncated',
        `an earlier verification reached event ${verified.id}, but the trail now ends at ${end === 0 ? 'no event' : `event ${end}`}`,
        { eventId: verified.id, trailEndsAt: end },
      );
    }
    const check = await this.store.events.verifyChunk({ id: verified.id - 1, hash: prevHash }, 1);
    return check.brokenAt === null && check.last.hash === verified.hash
      ? null
      : problem('broken', `event ${verified.id} changed since an earlier verification`, {
          eventId: verified.id,
        });
  }

  private async failed(found: ChainProblem, lastCheckpoint: AuditCheckpoint | null): Promise<ChainStatus> {
    const brokenAt =
      found.kind === 'broken' || found.kind === 'rewritten'
        ? found.eventId
        : found.kind === 'truncated'
          ? (found.trailEndsAt ?? 0) + 1
          : null;
    return { ok: false, events: await this.store.events.total(), brokenAt, lastCheckpoint, problem: found };
  }

  private async checkpoint(): Promise<ChainLink | null> {
    const stored = await this.store.meta.get(CHECKPOINT_KEY);
    if (stored === null) return null;
    const link = JSON.parse(stored) as Partial<ChainLink>;
    return typeof link.id === 'number' && typeof link.hash === 'string'
      ? { id: link.id, hash: link.hash }
      : null;
  }
}
