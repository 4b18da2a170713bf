import { createPublicKey, type KeyObject } from 'node:crypto';
import type { AuditProof } from '../shared/auditProof';
import type { Session, SessionLogs } from '../shared/api';
import {
  EVIDENCE_FILES,
  EVIDENCE_STATEMENT_TYPE,
  evidencePaths,
  type EvidenceFileHash,
  type EvidenceStatement,
} from '../shared/evidence';
import {
  decodeSignature,
  keyId as keyIdOf,
  verifySealed,
  type RecordingManifest,
} from '../recording/manifest';
import { auditProofProblems, proofEventsOf } from './auditProofCheck';
import { openBundle, type BundleSource } from './bundleSource';
import { bundleIndexText, parseBundleIndex, type BundleIndex } from './bundleIndex';
import { statementSignatureHolds } from './statement';

/**
 * Verifies an evidence bundle (a folder or its .zip) offline, with nothing but the bundle.
 *
 * How to use:
 *   const result = await verifyEvidenceBundle('/path/to/bundle-or.zip');
 *   result.ok            // every check passed
 *   result.keyId         // the signing key's id: compare it with the gateway's published one
 *   result.files         // per file: ok | changed | missing | added, with the reasons
 *   result.problems      // one sentence per problem, each naming its file
 *   renderEvidenceReport(result)  // the same report.html the writer puts in the bundle
 */

export type FileStatus = 'ok' | 'changed' | 'missing' | 'added';

/** What a file is in the bundle (the report and the app label files by it). */
export type FileRole =
  | 'statement'
  | 'statement signature'
  | 'public key'
  | 'index'
  | 'report'
  | 'audit proof'
  | 'session info'
  | 'session logs'
  | 'recording'
  | 'recording manifest'
  | 'recording signature'
  | 'unknown';

export interface FileCheck {
  path: string;
  role: FileRole;
  status: FileStatus;
  /** Why it is not ok (empty when ok). */
  reasons: string[];
  /** As found in the bundle (absent when missing). */
  sha256?: string;
  size?: number;
}

export type CheckName = 'statement' | 'files' | 'recordings' | 'audit trail' | 'index';

/** One of the checks the report lists, in plain words. */
export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** What was checked and what came out. */
  summary: string;
  problems: string[];
}

/** A session as the bundle describes it (from its info, and its manifest when it has one). */
export interface BundleSession {
  id: number;
  operator: string | null;
  account: string | null;
  target: string | null;
  protocol: string | null;
  startedAt: string | null;
  endedAt: string | null;
  recording: { sha256: string; size: number; purgedAt: string | null } | null;
  events: number | null;
}

export interface BundleVerification {
  ok: boolean;
  /** The path verified, and whether it was a folder or a zip. */
  bundle: string;
  kind: 'folder' | 'zip';
  /** The id of public-key.pem (hex SHA-256 of its DER), null when it cannot be read. */
  keyId: string | null;
  /** The signed statement when it could be read (its signature may still have failed: see checks). */
  statement: EvidenceStatement | null;
  sessions: BundleSession[];
  checks: CheckResult[];
  /** Every file found or expected, sorted by path. */
  files: FileCheck[];
  /** One sentence per problem, each naming the file it concerns. */
  problems: string[];
  verifiedAt: string;
}

export interface VerifyOptions {
  now?: () => Date;
  /** Leaves bundle.json and report.html out (the writer, before writing them). */
  withoutIndex?: boolean;
}

/** Verifies the bundle at `path` (folder or .zip). Throws only when `path` cannot be read at all. */
export async function verifyEvidenceBundle(
  path: string,
  options: VerifyOptions = {},
): Promise<BundleVerification> {
  return new Verification(openBundle(path), path, options).run();
}

const FIXED_ROLES: Record<string, FileRole> = {
  [EVIDENCE_FILES.statement]: 'statement',
  [EVIDENCE_FILES.statementSignature]: 'statement signature',
  [EVIDENCE_FILES.publicKey]: 'public key',
  [EVIDENCE_FILES.index]: 'index',
  [EVIDENCE_FILES.report]: 'report',
};

class Verification {
  readonly #files = new Map<string, FileCheck>();
  readonly #present: Set<string>;
  readonly #found = new Map<string, { sha256: string; size: number }>();
  /** Paths an evidence bundle of this statement holds, with their roles. */
  readonly #expected = new Map<string, FileRole>();
  #index: BundleIndex | null = null;

  constructor(
    private readonly source: BundleSource,
    private readonly path: string,
    private readonly options: VerifyOptions,
  ) {
    this.#present = new Set(source.paths());
  }

  async run(): Promise<BundleVerification> {
    for (const path of this.#present) this.#found.set(path, await this.source.hash(path));
    for (const [path, role] of Object.entries(FIXED_ROLES)) {
      if (this.options.withoutIndex === true && (role === 'index' || role === 'report')) continue;
      this.#expected.set(path, role);
    }
    const checks: CheckResult[] = [];
    const readKey = this.publicKey();
    const { statement, signed, keyBlamed } = this.statement(readKey, checks);
    // A key the index shows was replaced proves nothing: the checks that need it are not blamed on others.
    const key = keyBlamed ? null : readKey;
    if (statement === null) this.expectIndexed();
    const sessions = statement === null ? [] : await this.sessions(statement, signed, key, checks);
    if (this.options.withoutIndex !== true) checks.push(this.indexCheck(statement));
    this.markUnexpected();
    const files = [...this.#files.values()].sort((a, b) => a.path.localeCompare(b.path));
    const problems = files.flatMap((f) => f.reasons.map((r) => `${f.path}: ${r}`));
    return {
      ok: problems.length === 0 && checks.every((c) => c.ok),
      bundle: this.path,
      kind: this.source.kind,
      keyId: readKey?.id ?? null,
      statement,
      sessions,
      checks,
      files,
      problems,
      verifiedAt: (this.options.now?.() ?? new Date()).toISOString(),
    };
  }

  /** Records a file's state; a worse status wins (missing > changed > added > ok). */
  private note(path: string, status: FileStatus, reason?: string): void {
    const rank: Record<FileStatus, number> = { ok: 0, added: 1, changed: 2, missing: 3 };
    const found = this.#found.get(path);
    const entry = this.#files.get(path) ?? {
      path,
      role: this.#expected.get(path) ?? 'unknown',
      status: 'ok',
      reasons: [],
      ...(found === undefined ? {} : { sha256: found.sha256, size: found.size }),
    };
    if (rank[status] > rank[entry.status]) entry.status = status;
    if (reason !== undefined && !entry.reasons.includes(reason)) entry.reasons.push(reason);
    this.#files.set(path, entry);
  }

  /** The file's bytes, or null (noted missing) when the bundle lacks it. */
  private read(path: string): Buffer | null {
    if (!this.#present.has(path)) {
      this.note(path, 'missing', 'missing from the bundle');
      return null;
    }
    return this.source.read(path);
  }

  private publicKey(): { key: KeyObject; id: string } | null {
    const bytes = this.read(EVIDENCE_FILES.publicKey);
    if (bytes === null) return null;
    try {
      const key = createPublicKey(bytes);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
      return { key, id: keyIdOf(key) };
    } catch (err) {
      this.note(
        EVIDENCE_FILES.publicKey,
        'changed',
        `not a readable Ed25519 public key (${(err as Error).message})`,
      );
      return null;
    }
  }

  private statement(
    key: { key: KeyObject; id: string } | null,
    checks: CheckResult[],
  ): { statement: EvidenceStatement | null; signed: boolean; keyBlamed: boolean } {
    const problems: string[] = [];
    let keyBlamed = false;
    const text = this.read(EVIDENCE_FILES.statement);
    const signature = this.read(EVIDENCE_FILES.statementSignature);
    let statement: EvidenceStatement | null = null;
    if (text !== null) {
      try {
        statement = parseStatement(text);
      } catch (err) {
        this.note(EVIDENCE_FILES.statement, 'changed', `unreadable: ${(err as Error).message}`);
      }
    }
    if (text !== null && signature !== null && key !== null) {
      if (!statementSignatureHolds(text, signature, key.key)) {
        // Which of the three changed: the index tells, when it still lists them as written.
        const suspects = this.changedPerIndex([
          EVIDENCE_FILES.statement,
          EVIDENCE_FILES.statementSignature,
          EVIDENCE_FILES.publicKey,
        ]);
        const named =
          suspects.length > 0 ? suspects : [EVIDENCE_FILES.statement, EVIDENCE_FILES.statementSignature];
        for (const path of named)
          this.note(path, 'changed', 'the signature of statement.json does not hold with public-key.pem');
        keyBlamed = named.includes(EVIDENCE_FILES.publicKey);
        problems.push('The signature of statement.json does not hold with public-key.pem');
      } else if (statement !== null && statement.keyId !== key.id) {
        const blamed = this.changedPerIndex([EVIDENCE_FILES.publicKey]).length > 0;
        keyBlamed = blamed;
        this.note(
          blamed ? EVIDENCE_FILES.publicKey : EVIDENCE_FILES.statement,
          'changed',
          `statement.json names the key ${statement.keyId}, public-key.pem is ${key.id}`,
        );
        problems.push('statement.json names another key than public-key.pem');
      }
    } else if (text === null || signature === null || key === null) {
      problems.push('The statement, its signature or the public key is missing or unreadable');
    }
    checks.push({
      name: 'statement',
      ok: problems.length === 0 && statement !== null,
      summary:
        problems.length === 0 && statement !== null
          ? `statement.json is signed (Ed25519) by the key ${key!.id}, named in public-key.pem`
          : 'The signed statement could not be verified',
      problems,
    });
    return { statement, signed: problems.length === 0 && statement !== null, keyBlamed };
  }

  private async sessions(
    statement: EvidenceStatement,
    signed: boolean,
    key: { key: KeyObject; id: string } | null,
    checks: CheckResult[],
  ): Promise<BundleSession[]> {
    for (const file of statement.files) this.#expected.set(file.path, roleOf(file.path));
    for (const r of statement.recordings) if (r.purgedAt === null) this.#expected.set(r.path, 'recording');

    // An unsigned statement is no reference: bundle.json then tells which files changed.
    const fileProblems = signed
      ? statement.files.filter((f) => !this.matches(f, 'the signed statement'))
      : [];
    checks.push({
      name: 'files',
      ok: signed && fileProblems.length === 0,
      summary: signed
        ? `${statement.files.length - fileProblems.length} of ${statement.files.length} files have the SHA-256 the signed statement gives`
        : 'Not checked: the statement is not signed by public-key.pem',
      problems: fileProblems.map((f) => `${f.path} differs from the signed statement`),
    });

    const recordingProblems: string[] = [];
    const manifests = new Map<number, RecordingManifest>();
    for (const recording of statement.recordings) {
      const paths = evidencePaths(recording.sessionId);
      const problem = (path: string, status: FileStatus, reason: string) => {
        this.note(path, status, reason);
        recordingProblems.push(`${path}: ${reason}`);
      };
      const manifestBytes = this.read(paths.manifest);
      const signature = this.read(paths.manifestSignature);
      if (manifestBytes === null || signature === null || key === null) {
        recordingProblems.push(
          `session ${recording.sessionId}: its manifest, signature or the key is missing`,
        );
        continue;
      }
      const found = this.#found.get(recording.path);
      if (recording.purgedAt === null && found === undefined) {
        problem(recording.path, 'missing', 'the recording is missing from the bundle');
      }
      let decoded: Buffer;
      try {
        decoded = decodeSignature(signature);
      } catch (err) {
        problem(paths.manifestSignature, 'changed', (err as Error).message);
        continue;
      }
      const result = verifySealed({
        manifestBytes,
        signature: decoded,
        publicKey: key.key,
        file: found ?? { size: recording.size, sha256: recording.sha256 },
      });
      if (!result.ok) {
        if (result.failure === 'size' || result.failure === 'sha256')
          problem(recording.path, 'changed', `${result.message} (its signed manifest)`);
        else if (result.failure === 'signature') {
          const suspects = this.changedPerIndex([paths.manifest, paths.manifestSignature]);
          for (const path of suspects.length > 0 ? suspects : [paths.manifest, paths.manifestSignature])
            problem(path, 'changed', 'the manifest signature does not hold with public-key.pem');
        } else problem(paths.manifest, 'changed', result.message);
        continue;
      }
      manifests.set(recording.sessionId, result.manifest);
      if (
        signed &&
        (result.manifest.sha256 !== recording.sha256 || result.manifest.sessionId !== recording.sessionId)
      )
        problem(paths.manifest, 'changed', 'the manifest is not the one the signed statement describes');
    }
    checks.push({
      name: 'recordings',
      ok: recordingProblems.length === 0,
      summary:
        statement.recordings.length === 0
          ? 'The bundle holds no recording'
          : `${manifests.size} of ${statement.recordings.length} recordings match their signed manifests` +
            (statement.recordings.some((r) => r.purgedAt !== null)
              ? ' (purged recordings: only their signed manifests)'
              : ''),
      problems: recordingProblems,
    });

    const proof = this.auditProof(statement, signed, key, checks);
    return statement.sessionIds.map((id) => this.session(id, statement, manifests.get(id) ?? null, proof));
  }

  /** The audit-trail proof and its agreement with each session's logged events. */
  private auditProof(
    statement: EvidenceStatement,
    signed: boolean,
    key: { key: KeyObject; id: string } | null,
    checks: CheckResult[],
  ): AuditProof | null {
    const path = EVIDENCE_FILES.auditProof;
    const problems: string[] = [];
    let proof: AuditProof | null = null;
    const bytes = this.read(path);
    if (bytes === null || key === null) problems.push('audit/proof.json or the key is missing');
    else {
      try {
        proof = JSON.parse(bytes.toString('utf8')) as AuditProof;
        if (!Array.isArray(proof.segments)) throw new Error('not an audit proof');
        problems.push(...auditProofProblems(proof, key.key, key.id));
      } catch (err) {
        problems.push(`unreadable: ${(err as Error).message}`);
        proof = null;
      }
    }
    if (bytes !== null && key !== null) for (const p of problems) this.note(path, 'changed', p);
    // Only a proof that holds, and is the one the statement vouches for, tells whether the logs changed.
    const proofHolds = proof !== null && problems.length === 0 && this.#files.get(path)?.status !== 'changed';
    let logsUnproven = 0;
    if (proof !== null && proofHolds && signed) {
      for (const id of statement.sessionIds) {
        const logs = this.json<SessionLogs>(evidencePaths(id).logs);
        if (logs === null || !Array.isArray(logs.events)) continue;
        const proven = proofEventsOf(proof, id);
        const unproven = logs.events.filter(
          (e) => !proven.some((p) => p.type === e.type && p.note === e.note && p.atMs === Date.parse(e.at)),
        );
        if (unproven.length > 0) {
          logsUnproven++;
          const reason =
            unproven.length === 1
              ? 'one of its events is not in the audit-trail proof'
              : `${unproven.length} of its events are not in the audit-trail proof`;
          this.note(evidencePaths(id).logs, 'changed', reason);
          problems.push(`${evidencePaths(id).logs}: ${reason}`);
        }
      }
    }
    const segments = proof?.segments.length ?? 0;
    const events = proof?.segments.reduce((n, s) => n + s.events.length, 0) ?? 0;
    checks.push({
      name: 'audit trail',
      ok: problems.length === 0 && proof !== null,
      summary: !proofHolds
        ? 'The audit-trail excerpt could not be proven'
        : `${events} audit-trail events in ${segments} chain segment(s) recompute to checkpoints the gateway signed; the latest checkpoint is #${proof!.latestCheckpoint.body.seq} (${proof!.latestCheckpoint.body.signedAt})` +
          (logsUnproven > 0
            ? `; the logs of ${logsUnproven} session(s) hold events that are not among them`
            : ''),
      problems,
    });
    return proof;
  }

  private session(
    id: number,
    statement: EvidenceStatement,
    manifest: RecordingManifest | null,
    proof: AuditProof | null,
  ): BundleSession {
    const info = this.json<Session>(evidencePaths(id).session);
    const recording = statement.recordings.find((r) => r.sessionId === id) ?? null;
    return {
      id,
      operator: manifest?.operator ?? info?.user?.login ?? null,
      account: manifest?.account ?? info?.credential ?? null,
      target: manifest?.target ?? info?.device ?? null,
      protocol: manifest?.protocol ?? info?.protocol ?? null,
      startedAt: manifest?.startedAt ?? info?.startedAt ?? null,
      endedAt: manifest?.endedAt ?? info?.endedAt ?? null,
      recording:
        recording === null
          ? null
          : { sha256: recording.sha256, size: recording.size, purgedAt: recording.purgedAt },
      events: proof === null ? null : proofEventsOf(proof, id).length,
    };
  }

  /** A JSON file of the bundle, or null when absent or unreadable (its hash check names it). */
  private json<T>(path: string): T | null {
    if (!this.#present.has(path)) return null;
    try {
      return JSON.parse(this.source.read(path).toString('utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Whether a present file has the expected hash; notes it missing or changed otherwise. */
  private matches(expected: EvidenceFileHash, against: string): boolean {
    const found = this.#found.get(expected.path);
    if (found === undefined) {
      this.note(expected.path, 'missing', 'missing from the bundle');
      return false;
    }
    if (found.sha256 !== expected.sha256 || found.size !== expected.size) {
      this.note(
        expected.path,
        'changed',
        `its SHA-256 is ${found.sha256} (${found.size} bytes), ${against} says ${expected.sha256} (${expected.size} bytes)`,
      );
      return false;
    }
    this.note(expected.path, 'ok');
    return true;
  }

  /** Of `paths`, those whose bytes differ from what bundle.json lists. */
  private changedPerIndex(paths: string[]): string[] {
    const index = this.loadIndex();
    if (index === null) return [];
    return paths.filter((path) => {
      const listed = index.files.find((f) => f.path === path);
      const found = this.#found.get(path);
      return listed !== undefined && found !== undefined && listed.sha256 !== found.sha256;
    });
  }

  private loadIndex(): BundleIndex | null {
    if (this.#index !== null) return this.#index;
    if (!this.#present.has(EVIDENCE_FILES.index)) return null;
    try {
      this.#index = parseBundleIndex(this.source.read(EVIDENCE_FILES.index));
    } catch {
      return null;
    }
    return this.#index;
  }

  /** bundle.json lists exactly the files present, with their hashes, and nothing else changed in it. */
  private indexCheck(statement: EvidenceStatement | null): CheckResult {
    const problems: string[] = [];
    const path = EVIDENCE_FILES.index;
    const bytes = this.read(path);
    let index: BundleIndex | null = null;
    if (bytes !== null) {
      index = this.loadIndex();
      if (index === null) {
        this.note(path, 'changed', 'unreadable: not a bundle index');
        problems.push('bundle.json is unreadable');
      }
    } else problems.push('bundle.json is missing');
    if (index !== null) {
      const listed = new Map(index.files.map((f) => [f.path, f]));
      let entryProblems = 0;
      for (const [p, found] of this.#found) {
        if (p === path) continue;
        const entry = listed.get(p);
        if (entry === undefined) {
          this.note(p, 'added', 'not listed in bundle.json: added after the export');
          entryProblems++;
        } else if (entry.sha256 !== found.sha256 || entry.size !== found.size) {
          // A file the signed statement vouches for and still matches: the index entry is what changed.
          const vouched = this.#files.get(p);
          if (vouched !== undefined && vouched.status === 'ok' && this.vouched(statement, p))
            this.note(
              path,
              'changed',
              `its entry for ${p} does not match ${p}, which matches the signed statement`,
            );
          else this.note(p, 'changed', `its SHA-256 is ${found.sha256}, bundle.json says ${entry.sha256}`);
          entryProblems++;
        }
      }
      for (const entry of index.files) {
        if (!this.#found.has(entry.path)) {
          this.note(entry.path, 'missing', 'listed in bundle.json but missing from the bundle');
          entryProblems++;
        }
      }
      // The index is derived from the files and the statement: any other edit in it shows here.
      if (entryProblems === 0 && statement !== null) {
        const expected = bundleIndexText({
          statement,
          files: [...this.#found].filter(([p]) => p !== path).map(([p, h]) => ({ path: p, ...h })),
        });
        if (expected !== bytes!.toString('utf8'))
          this.note(path, 'changed', 'it differs from the index of the files it lists');
      }
      if (entryProblems > 0) problems.push('bundle.json does not list exactly the files present');
    }
    const ok = problems.length === 0 && (this.#files.get(path)?.status ?? 'ok') === 'ok';
    return {
      name: 'index',
      ok,
      summary: ok
        ? `bundle.json lists exactly the ${this.#found.size - 1} files present, with their SHA-256`
        : 'bundle.json does not match the files present',
      problems,
    };
  }

  private vouched(statement: EvidenceStatement | null, path: string): boolean {
    if (statement === null) return false;
    return (
      statement.files.some((f) => f.path === path) ||
      statement.recordings.some((r) => r.path === path) ||
      path === EVIDENCE_FILES.statement ||
      path === EVIDENCE_FILES.statementSignature
    );
  }

  /** Without a readable statement, the files bundle.json lists are taken as the bundle's own. */
  private expectIndexed(): void {
    for (const f of this.loadIndex()?.files ?? [])
      if (!this.#expected.has(f.path))
        this.#expected.set(f.path, f.path.endsWith('.vrec') ? 'recording' : roleOf(f.path));
  }

  /** Files no part of this bundle's statement names are added, listed in bundle.json or not. */
  private markUnexpected(): void {
    for (const path of this.#found.keys()) {
      if (
        this.options.withoutIndex === true &&
        (path === EVIDENCE_FILES.index || path === EVIDENCE_FILES.report)
      )
        continue;
      if (!this.#expected.has(path)) this.note(path, 'added', 'not part of the exported evidence');
      else this.note(path, 'ok');
    }
  }
}

function roleOf(path: string): FileRole {
  if (path === EVIDENCE_FILES.auditProof) return 'audit proof';
  if (path.endsWith('/session.json')) return 'session info';
  if (path.endsWith('/logs.json')) return 'session logs';
  if (path.endsWith('.manifest.json')) return 'recording manifest';
  if (path.endsWith('.manifest.sig')) return 'recording signature';
  return 'unknown';
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The statement, its shape checked: a verifier must not trust a file it has not verified yet. */
function parseStatement(bytes: Buffer): EvidenceStatement {
  const value = JSON.parse(bytes.toString('utf8')) as EvidenceStatement;
  const shaped =
    typeof value === 'object' &&
    value !== null &&
    value.type === EVIDENCE_STATEMENT_TYPE &&
    isString(value.createdAt) &&
    isString(value.keyId) &&
    isString(value.exportedBy?.login) &&
    isString(value.exportedBy?.name) &&
    Array.isArray(value.sessionIds) &&
    value.sessionIds.every(isCount) &&
    Array.isArray(value.files) &&
    value.files.every((f) => isString(f?.path) && isString(f.sha256) && isCount(f.size)) &&
    Array.isArray(value.recordings) &&
    value.recordings.every(
      (r) =>
        isCount(r?.sessionId) &&
        isString(r.path) &&
        isString(r.sha256) &&
        isCount(r.size) &&
        (r.purgedAt === null || isString(r.purgedAt)),
    );
  if (!shaped) throw new Error('not an evidence statement');
  return value;
}
