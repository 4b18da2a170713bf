import { createHash, randomBytes } from 'node:crypto';
import { close, createReadStream, fstat, open as openCallback } from 'node:fs';
import { link, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { dataPaths } from '../datadir';
import { GatewayError } from '../errors';
import { sha256File } from '../../recording/sha256';
import { SealedCache } from './sealedCache';
import {
  clampRange,
  etagOf,
  RecordingConflictError,
  recordingNames,
  RecordingNotFoundError,
  sealedContent,
  type ByteRange,
  type PutOutcome,
  type RecordingSealFiles,
  type RecordingStore,
  type SealedRecordingFiles,
  type StoredRecording,
} from './recordingStore';

/**
 * Recordings in a folder: the data folder's own `recordings` (one node, today's layout) or a
 * folder several nodes mount (NFS, SMB, a cluster file system). Same files as a sealed recordings
 * folder has always held, `<hash>.vrec` with `<hash>.manifest.json` and `<hash>.manifest.sig`, so
 * the `verify` command works on it as it is.
 *
 * Publishing is atomic for every node that reads the folder: each file is written under a
 * temporary name in the same folder, flushed to disk, then moved into place. The recording is
 * hard-linked into place rather than renamed, because a link fails when the name exists while a
 * rename would replace it: two nodes publishing the same hash at once can never swap sealed bytes.
 */
export class FolderRecordingStore implements RecordingStore {
  readonly description: string;
  private readonly folder: string;
  /**
   * Keyed to the recording file's identity (inode and change time, as inode numbers are reused): a
   * recording purged and stored again is read afresh.
   */
  private readonly sealed = new SealedCache<{ size: number; sha256: string; identity: string }>();

  constructor(folder: string) {
    this.folder = resolve(folder);
    this.description = `the recordings folder ${this.folder}`;
  }

  async put(recording: SealedRecordingFiles): Promise<PutOutcome> {
    const names = recordingNames(recording.hash);
    const sealed = sealedContent(recording.manifest);
    const target = this.path(names.recording);
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    // Written here while live (the local store): the writer hashed it on finish, only its seal is missing.
    const inPlace = await this.isInPlace(recording.file, target);
    const stored = inPlace
      ? await this.manifestSha256(recording.hash)
      : await this.storedSha256(recording.hash);
    if (stored !== null && stored !== sealed.sha256) {
      throw new RecordingConflictError(recording.hash, this.description, stored, sealed.sha256);
    }
    if (inPlace) await this.checkSize(recording.hash, sealed.size);
    else if (stored === null) await this.publishRecording(recording, target, sealed);
    const manifestThere = stored !== null && (await exists(this.path(names.manifest)));
    if (manifestThere) {
      await this.restoreSignature(recording);
      return 'already-stored';
    }
    // The signature first and the manifest last: the manifest is what makes the recording stored.
    await this.writeFile(names.signature, `${recording.signature}\n`);
    await this.writeFile(names.manifest, recording.manifest);
    await this.syncFolder();
    return 'stored';
  }

  async stat(hash: string): Promise<StoredRecording> {
    const file = await this.statRecording(hash);
    const { sha256, size } = await this.sealedOf(hash, file);
    if (file.size !== size) throw this.altered(hash, file.size, size);
    return { size, sha256, etag: etagOf(sha256) };
  }

  async exists(hash: string): Promise<boolean> {
    const names = recordingNames(hash);
    return (await exists(this.path(names.manifest))) && (await exists(this.path(names.recording)));
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    // Opened first, so a file removed meanwhile is a not-found here, not a broken stream.
    const fd = await openFd(this.path(recordingNames(hash).recording)).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
      this.sealed.forget(hash);
      throw new RecordingNotFoundError(hash, this.description);
    });
    try {
      const file = await fstatFd(fd);
      const { size } = await this.sealedOf(hash, file);
      if (file.size !== size) throw this.altered(hash, file.size, size);
      const { start, end } =
        range === undefined ? { start: 0, end: size - 1 } : clampRange(hash, range, size);
      if (size === 0) {
        await closeFd(fd);
        return Readable.from([]);
      }
      // From the descriptor whose size was just checked, whatever happens to the name meanwhile.
      return createReadStream('', { fd, start, end, highWaterMark: 1024 * 1024 });
    } catch (err) {
      await closeFd(fd);
      throw err;
    }
  }

  async seal(hash: string): Promise<RecordingSealFiles> {
    const names = recordingNames(hash);
    const manifest = await this.readSealFile(hash, names.manifest);
    const signature = (await this.readSealFile(hash, names.signature)).trim();
    return { manifest, signature };
  }

  async delete(hash: string): Promise<boolean> {
    const names = recordingNames(hash);
    let removed = false;
    // The manifest first: from then on the recording no longer counts as stored.
    for (const name of [names.manifest, names.signature, names.recording]) {
      removed = (await removeIfThere(this.path(name))) || removed;
    }
    this.sealed.forget(hash);
    if (removed) await this.syncFolder();
    return removed;
  }

  async close(): Promise<void> {}

  private path(name: string): string {
    return join(this.folder, name);
  }

  /** The SHA-256 of the recording stored under this hash, null when there is none. */
  private async storedSha256(hash: string): Promise<string | null> {
    const recording = this.path(recordingNames(hash).recording);
    if (!(await exists(recording))) return null;
    // Without a manifest, a publisher stopped between the recording and its manifest: the bytes tell.
    return (await this.manifestSha256(hash)) ?? sha256File(recording);
  }

  private async manifestSha256(hash: string): Promise<string | null> {
    try {
      return sealedContent(await readFile(this.path(recordingNames(hash).manifest), 'utf8')).sha256;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  /** A signature lost since (removed by hand) comes back when it signs the manifest that is there. */
  private async restoreSignature(recording: SealedRecordingFiles): Promise<void> {
    const names = recordingNames(recording.hash);
    if (await exists(this.path(names.signature))) return;
    if ((await readFile(this.path(names.manifest), 'utf8')) !== recording.manifest) return;
    await this.writeFile(names.signature, `${recording.signature}\n`);
    await this.syncFolder();
  }

  private async isInPlace(file: string, target: string): Promise<boolean> {
    try {
      return (await realpath(file)) === (await realpath(target));
    } catch {
      return false;
    }
  }

  /** Copies the local file to a temporary name while hashing it, then links it into place. */
  private async publishRecording(
    recording: SealedRecordingFiles,
    target: string,
    sealed: { size: number; sha256: string },
  ): Promise<void> {
    const temp = this.tempPath(recordingNames(recording.hash).recording);
    try {
      const copied = await copyHashed(recording.file, temp);
      if (copied.sha256 !== sealed.sha256 || copied.size !== sealed.size) {
        throw new GatewayError(
          409,
          'RECORDING_ALTERED',
          `${recording.file} has ${copied.size} bytes with SHA-256 ${copied.sha256}, but its manifest seals ${sealed.size} bytes with ${sealed.sha256}`,
        );
      }
      try {
        await link(temp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // Another node published the same hash meanwhile: fine when it is the same recording.
        const other = await this.storedSha256(recording.hash);
        if (other !== sealed.sha256) {
          throw new RecordingConflictError(recording.hash, this.description, other ?? '?', sealed.sha256);
        }
      }
    } finally {
      await removeIfThere(temp);
    }
    await this.syncFolder();
  }

  private async checkSize(hash: string, size: number): Promise<void> {
    const actual = (await this.statRecording(hash)).size;
    if (actual !== size) throw this.altered(hash, actual, size);
  }

  private altered(hash: string, actual: number, size: number): GatewayError {
    return new GatewayError(
      409,
      'RECORDING_ALTERED',
      `The recording ${hash} has ${actual} bytes in ${this.description} instead of the ${size} its manifest seals: it was altered`,
    );
  }

  /** What the manifest seals, read once per stored file (it never changes while stored). */
  private async sealedOf(hash: string, file: FileIdentity): Promise<{ size: number; sha256: string }> {
    const identity = `${file.ino}:${file.ctimeMs}`;
    const known = this.sealed.get(hash);
    if (known !== undefined && known.identity === identity) return known;
    const sealed = sealedContent(await this.readSealFile(hash, recordingNames(hash).manifest));
    this.sealed.set(hash, { ...sealed, identity });
    return sealed;
  }

  private async statRecording(hash: string): Promise<FileIdentity> {
    try {
      return await stat(this.path(recordingNames(hash).recording));
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.sealed.forget(hash);
      throw new RecordingNotFoundError(hash, this.description);
    }
  }

  private async readSealFile(hash: string, name: string): Promise<string> {
    try {
      return await readFile(this.path(name), 'utf8');
    } catch (err) {
      if (isMissing(err)) throw new RecordingNotFoundError(hash, this.description);
      throw err;
    }
  }

  /** A small file, replaced atomically: written and flushed under a temporary name, then renamed. */
  private async writeFile(name: string, content: string): Promise<void> {
    const temp = this.tempPath(name);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path(name));
    } finally {
      await removeIfThere(temp);
    }
  }

  /** In the same folder (a rename or link across file systems is a copy), named after the node. */
  private tempPath(name: string): string {
    return this.path(`.${name}.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  }

  /** A new name is durable once its folder is flushed too (a crash must not lose a published file). */
  private async syncFolder(): Promise<void> {
    const handle = await open(this.folder, 'r');
    try {
      await handle.sync();
    } catch (err) {
      // Some network file systems refuse to flush a folder; their server commits names itself.
      if (!['EINVAL', 'ENOTSUP', 'EPERM', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) {
        throw err;
      }
    } finally {
      await handle.close();
    }
  }
}

const openFd = (path: string) => promisify(openCallback)(path, 'r');
const fstatFd = promisify(fstat);
const closeFd = promisify(close);

interface FileIdentity {
  size: number;
  ino: number;
  ctimeMs: number;
}

/** The data folder's own `recordings` folder, where a single node has always kept them. */
export function localRecordingStore(dataDir: string): FolderRecordingStore {
  return new FolderRecordingStore(dataPaths(dataDir).recordings);
}

async function copyHashed(source: string, temp: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(temp, 'wx', 0o600);
  try {
    for await (const chunk of createReadStream(source, { highWaterMark: 1024 * 1024 })) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
      await handle.write(bytes);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

async function removeIfThere(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
