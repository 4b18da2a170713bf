import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { EVIDENCE_FILES, type EvidenceExport, type EvidenceStatement } from '../shared/evidence';
import { bundleIndexText } from './bundleIndex';
import { openBundle } from './bundleSource';
import { renderEvidenceReport } from './report';
import { verifyEvidenceBundle, type BundleVerification } from './verifyBundle';

/**
 * Writes an evidence bundle.
 *
 * How to use (desktop main process, or any node process):
 *   const exported = await api.post('/evidence', { sessionIds });          // EvidenceExport
 *   // download each exported.recordings[i] (GET /sessions/:id/recording) to a file of yours
 *   const { path, verification } = await writeEvidenceBundle({
 *     evidence: exported,
 *     recordings: [{ sessionId: 12, file: '/tmp/12.vrec' }, …],
 *     out: '/home/me/case-42',          // a folder that must not exist yet, or …/case-42.zip
 *     zip: false,                       // true: one .zip holding the folder (out must end in .zip)
 *   });
 *   verification.ok                     // the bundle as written passed every check
 *
 * Nothing is left at `out` when writing fails. Recordings are copied, never moved.
 */
export interface WriteBundleInput {
  evidence: EvidenceExport;
  /** The downloaded recording of every session whose recording is not purged. */
  recordings: { sessionId: number; file: string }[];
  out: string;
  zip?: boolean;
  now?: () => Date;
}

export interface WrittenBundle {
  path: string;
  verification: BundleVerification;
}

export async function writeEvidenceBundle(input: WriteBundleInput): Promise<WrittenBundle> {
  const zip = input.zip === true;
  if (zip && !input.out.toLowerCase().endsWith('.zip')) throw new Error(`${input.out} must end in .zip`);
  if (existsSync(input.out)) throw new Error(`${input.out} already exists`);
  const statement = JSON.parse(input.evidence.statement) as EvidenceStatement;
  const given = new Map(input.recordings.map((r) => [r.sessionId, r.file]));
  for (const r of input.evidence.recordings)
    if (r.purgedAt === null && !given.has(r.sessionId))
      throw new Error(`The recording of session ${r.sessionId} was not given`);

  const folderName = basename(input.out).replace(/\.zip$/i, '');
  const work = join(dirname(input.out), `.${folderName}.${randomBytes(4).toString('hex')}.partial`);
  try {
    writeContent(work, input, given);
    const content = await verifyEvidenceBundle(work, { withoutIndex: true, now: input.now });
    writeText(work, EVIDENCE_FILES.report, renderEvidenceReport(content, { exported: true }));
    writeText(work, EVIDENCE_FILES.index, bundleIndexText({ statement, files: await filesOf(work) }));
    if (zip) {
      await zipFolder(work, folderName, work + '.zip');
      renameSync(work + '.zip', input.out);
      rmSync(work, { recursive: true, force: true });
    } else renameSync(work, input.out);
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    rmSync(work + '.zip', { force: true });
    throw err;
  }
  return { path: input.out, verification: await verifyEvidenceBundle(input.out, { now: input.now }) };
}

function writeContent(dir: string, input: WriteBundleInput, recordings: Map<number, string>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { evidence } = input;
  writeText(dir, EVIDENCE_FILES.statement, evidence.statement);
  writeText(dir, EVIDENCE_FILES.statementSignature, `${evidence.signature}\n`);
  writeText(
    dir,
    EVIDENCE_FILES.publicKey,
    evidence.publicKey.endsWith('\n') ? evidence.publicKey : `${evidence.publicKey}\n`,
  );
  for (const file of evidence.files) writeText(dir, file.path, file.text);
  for (const r of evidence.recordings) {
    const source = recordings.get(r.sessionId);
    if (source === undefined) continue;
    const target = join(dir, ...safePath(r.path).split('/'));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
}

function writeText(dir: string, path: string, text: string): void {
  const target = join(dir, ...safePath(path).split('/'));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text, { encoding: 'utf8', mode: 0o600 });
}

/** A path the gateway named stays inside the bundle. */
function safePath(path: string): string {
  if (
    !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path) ||
    path.split('/').some((p) => p === '..' || p === '.')
  )
    throw new Error(`refusing the bundle path ${JSON.stringify(path)}`);
  return path;
}

async function filesOf(dir: string): Promise<{ path: string; sha256: string; size: number }[]> {
  const source = openBundle(dir);
  const files = [];
  for (const path of source.paths()) files.push({ path, ...(await source.hash(path)) });
  return files;
}

/**
 * The folder as one zip under a top folder of the bundle's name, streamed file by file so a large
 * recording is never held in memory; recordings are stored as they are, the rest deflated.
 */
async function zipFolder(dir: string, folderName: string, target: string): Promise<void> {
  const paths = openBundle(dir).paths();
  const total = paths.reduce((sum, rel) => sum + statSync(join(dir, ...rel.split('/'))).size, 0);
  // Plain zip offsets and sizes are 32-bit (no zip64 here): larger bundles go in a folder.
  if (total >= ZIP_LIMIT)
    throw new Error(
      `The bundle holds ${total} bytes, too many for a .zip (under 4 GiB): export it as a folder`,
    );
  const out = createWriteStream(target, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let zipError: Error | null = null;
  const zip = new Zip((err, chunk, final) => {
    if (err !== null) zipError = err;
    else out.write(chunk);
    if (final) out.end();
  });
  for (const rel of paths) {
    const entry = rel.endsWith('.vrec')
      ? new ZipPassThrough(`${folderName}/${rel}`)
      : new ZipDeflate(`${folderName}/${rel}`, { level: 6 });
    entry.mtime = ZIP_TIME;
    zip.add(entry);
    for await (const chunk of createReadStream(join(dir, ...rel.split('/')), {
      highWaterMark: 1024 * 1024,
    })) {
      entry.push(chunk as Buffer);
      if (out.writableNeedDrain) await Promise.race([once(out, 'drain'), failed]);
    }
    entry.push(new Uint8Array(0), true);
  }
  zip.end();
  await Promise.race([finished(out), failed]);
  if (zipError !== null) throw zipError;
}

const ZIP_LIMIT = 0xffffffff - 64 * 1024 * 1024;

/** Zip entries carry no time of their own: the statement says when the bundle was made. */
const ZIP_TIME = new Date('2000-01-01T00:00:00Z');
