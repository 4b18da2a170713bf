import type { SessionRecord } from '../db/sessionTypes';
import type { AsyncStore } from '../db/asyncStore';
import type { SigningKey } from '../datadir';
import {
  evidencePaths,
  EVIDENCE_FILES,
  type EvidenceExport,
  type EvidenceRecording,
} from '../../shared/evidence';
import { SESSION_TEXT_PAGE_SIZE } from '../../shared/api';
import { buildStatement, signStatement, statementText } from '../../evidence/statement';
import { keyId } from '../../recording/manifest';
import { purgedText } from '../routes/purged';
import type { RecordingSeal } from '../seal/recordingSeal';
import { iso, type Clock } from '../time';
import type { AuditProofService } from './auditProof';
import { callerEvent, type Caller } from './caller';
import type { RecordingService } from './recordings';
import type { SessionService } from './sessions';
import type { SessionTextService } from './sessionText';

/** Readable JSON for the files a person may open; their exact bytes are what the statement hashes. */
const readable = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The gateway's side of an evidence bundle: the text files it vouches for (session info, logs,
 * recording manifests and signatures, the audit-trail proof) and a statement listing their hashes
 * and the recordings' sealed hashes, signed with the gateway's Ed25519 key. The route has already
 * authorized every session (logs and recording).
 */
export class EvidenceService {
  #key: { signing: SigningKey; id: string } | null = null;

  constructor(
    private readonly store: AsyncStore,
    private readonly sessions: SessionService,
    private readonly texts: SessionTextService,
    private readonly recordings: RecordingService,
    private readonly seal: RecordingSeal,
    private readonly proofs: Pick<AuditProofService, 'prove'>,
    private readonly loadKey: () => SigningKey,
    private readonly clock: Clock,
  ) {}

  async export(caller: Caller, sessions: SessionRecord[]): Promise<EvidenceExport> {
    const ordered = [...sessions].sort((a, b) => a.id - b.id);
    // What can fail (the key, a recording that cannot be sealed) fails before anything is logged.
    const key = this.key();
    const seals = new Map<number, { manifest: string; signature: string } | null>();
    for (const session of ordered) seals.set(session.id, await this.sealedRecording(session));
    // Logged next, so the proof and the logs in the bundle show the export itself.
    for (const session of ordered) {
      await this.store.events.append(
        callerEvent(
          caller,
          'Exported Details',
          this.clock(),
          session.id,
          `Exported session ${session.id} as evidence (sessions ${ordered.map((s) => s.id).join(', ')})`,
        ),
      );
    }
    const files: { path: string; text: string }[] = [];
    const recordings: EvidenceRecording[] = [];
    for (const session of ordered) {
      const paths = evidencePaths(session.id);
      const text = purgedText(session) ?? (await this.texts.page(session.id, 0, SESSION_TEXT_PAGE_SIZE));
      files.push({ path: paths.session, text: readable(await this.sessions.view(caller, session)) });
      files.push({ path: paths.logs, text: readable(await this.sessions.logs(caller, session, text)) });
      const sealed = seals.get(session.id) ?? null;
      if (sealed === null) continue;
      files.push({ path: paths.manifest, text: sealed.manifest });
      files.push({ path: paths.manifestSignature, text: `${sealed.signature}\n` });
      const manifest = JSON.parse(sealed.manifest) as { sha256: string; size: number };
      const purgedAt = session.recording?.purgedAt ?? null;
      recordings.push({
        sessionId: session.id,
        path: paths.recording,
        sha256: manifest.sha256,
        size: manifest.size,
        purgedAt: purgedAt === null ? null : iso(purgedAt),
      });
    }
    const proof = await this.proofs.prove(ordered.map((s) => s.id));
    files.push({ path: EVIDENCE_FILES.auditProof, text: readable(proof) });

    const statement = statementText(
      buildStatement({
        sessionIds: ordered.map((s) => s.id),
        createdAt: new Date(this.clock()),
        exportedBy: { login: caller.login, name: caller.name },
        keyId: key.id,
        files,
        recordings,
      }),
    );
    return {
      statement,
      signature: signStatement(statement, key.signing.privateKey),
      publicKey: key.signing.publicKeyPem,
      keyId: key.id,
      files,
      recordings: recordings.filter((r) => r.purgedAt === null),
    };
  }

  /** The stored seal; a recording still on the gateway but left unsealed is sealed now. */
  private async sealedRecording(
    session: SessionRecord,
  ): Promise<{ manifest: string; signature: string } | null> {
    if (session.recording === null) return null;
    if (session.recording.purgedAt === null && session.recording.path !== null)
      await this.recordings.manifest(session);
    return this.seal.stored(session.id);
  }

  private key(): { signing: SigningKey; id: string } {
    if (this.#key === null) {
      const signing = this.loadKey();
      this.#key = { signing, id: keyId(signing.publicKeyPem) };
    }
    return this.#key;
  }
}
