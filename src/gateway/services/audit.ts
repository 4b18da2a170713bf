import type { AuditEventList, AuditEventQuery, ChainStatus, ChainVerifyScope } from '../../shared/api';
import { GENESIS_HASH, type ChainLink } from '../db/events';
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

/** Reading the audit trail and proving it is intact. */
export class AuditService {
  private readonly running = new Map<ChainVerifyScope, Promise<ChainStatus>>();

  constructor(
    private readonly store: AsyncStore,
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
   * walk runs in chunks with the event loop free between them, and callers asking while one runs
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
    let from: ChainLink = { id: 0, hash: GENESIS_HASH };
    if (scope === 'new') {
      const checkpoint = await this.checkpoint();
      if (checkpoint !== null && !(await this.stillHolds(checkpoint))) return this.broken(checkpoint.id);
      from = checkpoint ?? from;
    }
    for (;;) {
      const chunk = await this.store.events.verifyChunk(from, this.options.chunkRows);
      if (chunk.brokenAt !== null) return this.broken(chunk.brokenAt);
      from = chunk.last;
      if (chunk.done) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (from.id > ((await this.checkpoint())?.id ?? 0))
      await this.store.meta.set(CHECKPOINT_KEY, JSON.stringify(from));
    return { ok: true, events: from.id, brokenAt: null };
  }

  /** The event a verification ended on still has its content and the hash it was verified with. */
  private async stillHolds(checkpoint: ChainLink): Promise<boolean> {
    const prevHash = await this.store.events.prevHashOf(checkpoint.id);
    if (prevHash === null) return false;
    const check = await this.store.events.verifyChunk({ id: checkpoint.id - 1, hash: prevHash }, 1);
    return check.brokenAt === null && check.last.hash === checkpoint.hash;
  }

  private async broken(brokenAt: number): Promise<ChainStatus> {
    return { ok: false, events: await this.store.events.total(), brokenAt };
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
