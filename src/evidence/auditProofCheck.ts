import { createHash, verify, type KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditProof, ChainEvent } from '../shared/auditProof';
import { canonicalJson } from '../recording/manifest';

type Json = Parameters<typeof canonicalJson>[0];

/** The hash the audit trail stores with an event (the gateway's formula, documented in docs/evidence.md). */
export function chainEventHash(e: Omit<ChainEvent, 'hash'>): string {
  const fields = JSON.stringify([e.id, e.atMs, e.type, e.actorId, e.originIp, e.sessionId, e.note]);
  return createHash('sha256').update(`${e.prevHash}\n${fields}`, 'utf8').digest('hex');
}

/** Whether the checkpoint's signature holds for its body's canonical JSON under `key`. */
export function checkpointSignatureHolds(checkpoint: AuditCheckpoint, key: KeyObject): boolean {
  try {
    const bytes = Buffer.from(canonicalJson(checkpoint.body as unknown as Json), 'utf8');
    return verify(null, bytes, key, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Checks an audit proof offline: each segment's events link to one another and recompute to the
 * hash its checkpoint signs, each checkpoint is signed by `key` (whose id is `keyId`), and every
 * event of the proof's sessions lies in a segment. Returns the problems found (empty: it holds).
 */
export function auditProofProblems(proof: AuditProof, key: KeyObject, keyId: string): string[] {
  const problems: string[] = [];
  if (proof.keyId !== keyId)
    problems.push(`it names the signing key ${proof.keyId}, the bundle's key is ${keyId}`);
  const checkpoint = (c: AuditCheckpoint, what: string) => {
    if (c.body.keyId !== keyId) problems.push(`${what} names the key ${c.body.keyId}, not the bundle's`);
    else if (!checkpointSignatureHolds(c, key)) problems.push(`the signature of ${what} does not hold`);
  };
  checkpoint(proof.latestCheckpoint, `the latest checkpoint (#${proof.latestCheckpoint.body.seq})`);
  proof.segments.forEach((segment, index) => {
    const name = `segment ${index + 1}`;
    const { body } = segment.checkpoint;
    checkpoint(segment.checkpoint, `checkpoint #${body.seq} (${name})`);
    if (body.seq > proof.latestCheckpoint.body.seq)
      problems.push(`${name} ends on checkpoint #${body.seq}, after the latest checkpoint`);
    if (segment.events.length === 0) {
      problems.push(`${name} has no events`);
      return;
    }
    let previous: ChainEvent | null = null;
    for (const event of segment.events) {
      if (previous !== null && (event.id !== previous.id + 1 || event.prevHash !== previous.hash)) {
        problems.push(`${name}: event ${event.id} does not follow event ${previous.id}`);
        return;
      }
      if (chainEventHash(event) !== event.hash) {
        problems.push(`${name}: event ${event.id} does not hash to the hash it carries (altered)`);
        return;
      }
      previous = event;
    }
    if (previous!.id !== body.eventId || previous!.hash !== body.hash)
      problems.push(
        `${name} ends on event ${previous!.id}, its checkpoint #${body.seq} signs event ${body.eventId}`,
      );
  });
  const covered = new Set(proof.sessionIds);
  if (proof.segments.length === 0 && covered.size > 0) problems.push('it holds no segment');
  return problems;
}

/** The proof's events of one session, oldest first. */
export function proofEventsOf(proof: AuditProof, sessionId: number): ChainEvent[] {
  const byId = new Map<number, ChainEvent>();
  for (const e of proof.segments.flatMap((s) => s.events)) if (e.sessionId === sessionId) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
