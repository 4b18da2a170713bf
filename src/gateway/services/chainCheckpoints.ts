import { sign, verify } from 'node:crypto';
import type { AuditCheckpoint, AuditCheckpointBody } from '../../shared/auditCheckpoint';
import { canonicalJson, keyId } from '../../recording/manifest';
import type { SigningKey } from '../datadir';
import type { AsyncRepositories } from '../db/asyncStore';
import { GENESIS_HASH, type ChainLink, type CheckpointRecord } from '../db/events';
import { conflict } from '../errors';
import { iso, type Clock } from '../time';

export interface CheckpointOptions {
  /** Sign once this many events were appended through this gateway since the last checkpoint. */
  everyEvents: number;
  /** And at this interval when events came in meanwhile (from any node or the CLI). */
  everyMs: number;
}

export const DEFAULT_CHECKPOINTS: CheckpointOptions = { everyEvents: 1000, everyMs: 10 * 60_000 };

/** Events checked between two turns of the event loop while a checkpoint is prepared. */
const CHUNK_ROWS = 2000;

/** What checking one stored checkpoint found. */
export type CheckpointCheck = { ok: true; checkpoint: AuditCheckpoint } | { ok: false; reason: string };

/**
 * Signs the head of the audit trail with the gateway's Ed25519 key now and then, so that removing
 * the newest events, or editing an event and recomputing every later hash, no longer goes
 * unnoticed: the signed hash of an event cannot be recomputed without the key. A checkpoint is
 * signed only after the events since the previous one check out, so it never vouches for a chain
 * that is already broken.
 */
export class ChainCheckpoints {
  #appended = 0;
  #timer: NodeJS.Timeout | null = null;
  #signing: Promise<AuditCheckpoint | null> = Promise.resolve(null);
  #key: { signing: SigningKey; id: string } | null = null;

  constructor(
    private readonly events: AsyncRepositories['events'],
    private readonly loadKey: () => SigningKey,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
    private readonly options: CheckpointOptions = DEFAULT_CHECKPOINTS,
  ) {}

  /** Told of every append: only counts, and signs off the append's path once enough came in. */
  appended(): void {
    this.#appended++;
    if (this.#appended >= this.options.everyEvents) {
      this.#appended = 0;
      this.signNow().catch((error: unknown) => this.report(error));
    }
  }

  /** Signs every `everyMs` when new events exist (the gateway process runs it; tests call `signNow`). */
  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.signNow().catch((error: unknown) => this.report(error));
    }, this.options.everyMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a signing under way. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#signing.catch(() => undefined);
  }

  /**
   * Signs the chain head unless the newest checkpoint already covers it; returns the newest
   * checkpoint (null on an empty trail). Calls are taken one at a time, so sequence numbers never
   * collide within a gateway; another node taking the same number makes this one try again.
   * Throws (409) when the events since the previous checkpoint do not check out.
   */
  signNow(): Promise<AuditCheckpoint | null> {
    const run = this.#signing.catch(() => null).then(() => this.signHead());
    this.#signing = run;
    return run;
  }

  /** The newest checkpoint as stored (not checked). */
  async latest(): Promise<AuditCheckpoint | null> {
    const record = await this.events.latestCheckpoint();
    return record === null ? null : toCheckpoint(record);
  }

  /** The public half of the signing key (PEM, SPKI) and its id. */
  publicKey(): { publicKey: string; keyId: string } {
    const key = this.key();
    return { publicKey: key.signing.publicKeyPem, keyId: key.id };
  }

  /**
   * Checks a stored checkpoint on its own: its body is canonical JSON naming the columns it was
   * stored with, it names this gateway's key, and the signature verifies with that key.
   */
  check(record: CheckpointRecord): CheckpointCheck {
    let body: AuditCheckpointBody;
    try {
      body = JSON.parse(record.body) as AuditCheckpointBody;
    } catch {
      return { ok: false, reason: 'its body is not JSON' };
    }
    if (canonicalJson(body) !== record.body) return { ok: false, reason: 'its body is not canonical JSON' };
    if (
      body.type !== 'vigil-audit-checkpoint' ||
      body.seq !== record.seq ||
      body.eventId !== record.eventId ||
      body.hash !== record.hash
    ) {
      return { ok: false, reason: 'its body does not name the event it is stored with' };
    }
    const key = this.key();
    if (body.keyId !== key.id) return { ok: false, reason: `it names key ${body.keyId}, not the gateway's` };
    const ok = verify(
      null,
      Buffer.from(record.body, 'utf8'),
      key.signing.publicKeyPem,
      Buffer.from(record.signature, 'base64'),
    );
    return ok
      ? { ok: true, checkpoint: toCheckpoint(record) }
      : { ok: false, reason: 'its signature is invalid' };
  }

  private async signHead(): Promise<AuditCheckpoint | null> {
    for (let attempt = 0; ; attempt++) {
      const latest = await this.events.latestCheckpoint();
      const head = await this.events.head();
      if (head === null) return null;
      if (latest !== null && latest.eventId >= head.id) return toCheckpoint(latest);
      const link = await this.verifiedSince(latest);
      const key = this.key();
      const body: AuditCheckpointBody = {
        type: 'vigil-audit-checkpoint',
        version: 1,
        seq: (latest?.seq ?? 0) + 1,
        eventId: link.id,
        hash: link.hash,
        signedAt: iso(this.clock()),
        keyId: key.id,
      };
      const text = canonicalJson(body);
      const signature = sign(null, Buffer.from(text, 'utf8'), key.signing.privateKey).toString('base64');
      const stored = await this.events.addCheckpoint({
        seq: body.seq,
        eventId: body.eventId,
        hash: body.hash,
        body: text,
        signature,
        signedAt: Date.parse(body.signedAt),
        keyId: key.id,
      });
      if (stored) {
        this.#appended = 0;
        return { body, signature };
      }
      if (attempt >= 2) throw conflict('another gateway node keeps taking the next checkpoint number');
    }
  }

  /** Walks the events after the previous checkpoint; returns the last one that checked out. */
  private async verifiedSince(previous: CheckpointRecord | null): Promise<ChainLink> {
    let from: ChainLink =
      previous === null ? { id: 0, hash: GENESIS_HASH } : { id: previous.eventId, hash: previous.hash };
    for (;;) {
      const chunk = await this.events.verifyChunk(from, CHUNK_ROWS);
      if (chunk.brokenAt !== null) {
        throw conflict(
          `the audit trail does not check out at event ${chunk.brokenAt}: no checkpoint is signed`,
          'CHAIN_BROKEN',
        );
      }
      from = chunk.last;
      if (chunk.done) return from;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private key(): { signing: SigningKey; id: string } {
    if (this.#key === null) {
      const signing = this.loadKey();
      this.#key = { signing, id: keyId(signing.publicKeyPem) };
    }
    return this.#key;
  }

  private report(error: unknown): void {
    this.log(`Audit checkpoint: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function toCheckpoint(record: CheckpointRecord): AuditCheckpoint {
  return { body: JSON.parse(record.body) as AuditCheckpointBody, signature: record.signature };
}
