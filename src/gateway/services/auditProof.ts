import type { AuditCheckpoint, AuditProof, ChainEvent, ChainSegment } from '../../shared/auditProof';
import type { AsyncStore } from '../db/asyncStore';
import { checkChain, type ChainRow, type CheckpointRecord } from '../db/events';
import { conflict, notFound } from '../errors';
import type { ChainCheckpoints } from './chainCheckpoints';

/** A run of the chain to prove: from `from` up to the event `checkpoint` signs. */
interface Range {
  from: number;
  checkpoint: CheckpointRecord;
}

/**
 * The audit-trail excerpt of some sessions with what proves it to anyone holding the gateway's
 * public key: for each of their events, the chain from it to the first signed checkpoint at or
 * after it. Evidence bundles carry this.
 */
export class AuditProofService {
  constructor(
    private readonly store: AsyncStore,
    private readonly checkpoints: ChainCheckpoints,
  ) {}

  /** Throws 404 for an unknown session, 409 when the trail does not check out. */
  async prove(sessionIds: number[]): Promise<AuditProof> {
    const ids = [...new Set(sessionIds)].sort((a, b) => a - b);
    const found = await this.store.sessions.getMany(ids, 0);
    const missing = ids.filter((id) => !found.some((s) => s.id === id));
    if (missing.length > 0) throw notFound(`no session ${missing.join(', ')}`);
    const eventIds = [
      ...new Set(
        (await Promise.all(ids.map((id) => this.store.events.forSession(id)))).flat().map((e) => e.id),
      ),
    ].sort((a, b) => a - b);
    const newest = eventIds.at(-1) ?? 0;
    let latest = await this.checkpoints.latest();
    if (latest === null || latest.body.eventId < newest) latest = await this.checkpoints.signNow();
    if (latest === null) throw conflict('the audit trail is empty: there is no checkpoint to prove against');
    const ranges =
      eventIds.length === 0
        ? []
        : covering(eventIds, await this.store.events.checkpointsAtOrAfter(eventIds[0]!));
    const segments: ChainSegment[] = [];
    for (const range of ranges) segments.push(await this.segment(range));
    const { publicKey, keyId } = this.checkpoints.publicKey();
    return {
      sessionIds: ids,
      segments,
      actors: await this.actors(segments),
      publicKey,
      keyId,
      latestCheckpoint: latest,
    };
  }

  /** The stored events of one range, checked to end on its signed checkpoint before handing them out. */
  private async segment(range: Range): Promise<ChainSegment> {
    const { checkpoint } = range;
    const rows = await this.store.events.chainRange(range.from, checkpoint.eventId);
    const first = rows[0];
    const chunk =
      first === undefined || first.id !== range.from
        ? null
        : checkChain({ id: first.id - 1, hash: first.prev_hash }, rows, rows.length + 1);
    if (
      chunk === null ||
      chunk.brokenAt !== null ||
      chunk.last.id !== checkpoint.eventId ||
      chunk.last.hash !== checkpoint.hash
    ) {
      throw conflict(
        `the audit trail does not check out between events ${range.from} and ${checkpoint.eventId}`,
        'CHAIN_BROKEN',
      );
    }
    const signed = this.checkpoints.check(checkpoint);
    if (!signed.ok)
      throw conflict(`checkpoint ${checkpoint.seq} does not check out: ${signed.reason}`, 'CHAIN_BROKEN');
    return { events: rows.map(toChainEvent), checkpoint: signed.checkpoint satisfies AuditCheckpoint };
  }

  private async actors(segments: readonly ChainSegment[]): Promise<AuditProof['actors']> {
    const ids = [
      ...new Set(segments.flatMap((s) => s.events.flatMap((e) => (e.actorId === null ? [] : [e.actorId])))),
    ].sort((a, b) => a - b);
    const users = await Promise.all(ids.map((id) => this.store.users.findById(id)));
    return users.flatMap((u) => (u === null ? [] : [{ id: u.id, login: u.login, name: u.name }]));
  }
}

/**
 * Pairs each event (ascending) with the first checkpoint at or after it (`checkpoints` ordered by
 * the event they sign), one range per checkpoint, and joins a range that starts right after the
 * previous one's checkpoint to it: that range then ends on the later checkpoint.
 */
function covering(eventIds: readonly number[], checkpoints: readonly CheckpointRecord[]): Range[] {
  const ranges: Range[] = [];
  let next = 0;
  for (const id of eventIds) {
    while (next < checkpoints.length && checkpoints[next]!.eventId < id) next++;
    const checkpoint = checkpoints[next];
    if (checkpoint === undefined) throw conflict(`event ${id} is not covered by a signed checkpoint`);
    const last = ranges.at(-1);
    if (last !== undefined && last.checkpoint.seq === checkpoint.seq) continue;
    if (last !== undefined && id <= last.checkpoint.eventId + 1) last.checkpoint = checkpoint;
    else ranges.push({ from: id, checkpoint });
  }
  return ranges;
}

function toChainEvent(r: ChainRow): ChainEvent {
  return {
    id: r.id,
    atMs: r.at,
    type: r.type,
    actorId: r.actor_id,
    originIp: r.origin_ip,
    sessionId: r.session_id,
    note: r.note,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
