import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { GatewayError } from '../errors';
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

export interface S3RecordingStoreOptions {
  client: S3Client;
  bucket: string;
  /** Put before every object name, e.g. `vigil/` (a trailing slash is added when missing). */
  prefix?: string;
  /** Recordings above this go up in parts of this size (S3 wants at least 5 MiB a part). */
  partSize?: number;
  /** Parts in flight at once. */
  queueSize?: number;
}

interface Located {
  stored: StoredRecording;
  /** The object's own entity tag (for a multipart upload not a hash of the bytes). */
  etag: string | undefined;
}

/** The recording's SHA-256 (hex), kept as object metadata: a multipart object's own checksum is per part. */
const SHA256_METADATA = 'sha256';
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/**
 * Recordings in S3-compatible object storage (AWS S3, MinIO, Ceph, …) through the AWS SDK. Objects
 * are `<prefix><hash>.vrec`, `.manifest.json` and `.manifest.sig`, the layout of a recordings
 * folder. An object appears whole or not at all, so publishing needs no temporary names; the
 * manifest still goes last. Every upload carries SHA-256 checksums the server verifies (the whole
 * object when sent in one request, each part of a multipart upload), and the bytes are hashed on
 * their way out and compared with the manifest before it is published. Writes are conditional
 * (`If-None-Match: *`), so a server that supports it refuses to replace a recording another node
 * stored meanwhile.
 */
export class S3RecordingStore implements RecordingStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  /** Saves a player's range requests two round trips each; the ETag condition catches a stale entry. */
  private readonly known = new SealedCache<Located>();

  constructor(options: S3RecordingStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = options.queueSize ?? 4;
    this.description = `s3://${this.bucket}/${this.prefix}`;
  }

  async put(recording: SealedRecordingFiles): Promise<PutOutcome> {
    const keys = this.keys(recording.hash);
    const sealed = sealedContent(recording.manifest);
    let stored = await this.storedSha256(recording.hash);
    if (stored === null) stored = await this.upload(recording, keys.recording, sealed);
    if (stored !== sealed.sha256) {
      throw new RecordingConflictError(recording.hash, this.description, stored ?? '?', sealed.sha256);
    }
    const manifest = await this.text(keys.manifest);
    if (manifest !== null) {
      // Already stored: only a signature lost since comes back, when it signs the manifest there.
      if (manifest === recording.manifest && (await this.head(keys.signature)) === null) {
        await this.putText(keys.signature, `${recording.signature}\n`);
      }
      return 'already-stored';
    }
    await this.putText(keys.signature, `${recording.signature}\n`);
    await this.putText(keys.manifest, recording.manifest);
    return 'stored';
  }

  async stat(hash: string): Promise<StoredRecording> {
    return (await this.located(hash, true)).stored;
  }

  async exists(hash: string): Promise<boolean> {
    const keys = this.keys(hash);
    const [manifest, recording] = await Promise.all([this.head(keys.manifest), this.head(keys.recording)]);
    return manifest !== null && recording !== null;
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    for (let attempt = 1; ; attempt++) {
      const { stored, etag } = await this.located(hash, attempt > 1);
      if (stored.size === 0) return Readable.from([]);
      const wanted = range === undefined ? null : clampRange(hash, range, stored.size);
      try {
        const object = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: this.keys(hash).recording,
            // Only the object whose size was checked against its manifest.
            ...(etag === undefined ? {} : { IfMatch: etag }),
            ...(wanted === null ? {} : { Range: `bytes=${wanted.start}-${wanted.end}` }),
          }),
        );
        return object.Body as Readable;
      } catch (err) {
        this.known.forget(hash);
        if (isNotFound(err)) throw new RecordingNotFoundError(hash, this.description);
        // Replaced behind the gateway's back: checked again, and refused if no longer the sealed size.
        if (statusOf(err) === 412 && attempt === 1) continue;
        throw err;
      }
    }
  }

  async seal(hash: string): Promise<RecordingSealFiles> {
    const keys = this.keys(hash);
    const [manifest, signature] = await Promise.all([this.text(keys.manifest), this.text(keys.signature)]);
    if (manifest === null || signature === null) throw new RecordingNotFoundError(hash, this.description);
    return { manifest, signature: signature.trim() };
  }

  async delete(hash: string): Promise<boolean> {
    this.known.forget(hash);
    const keys = this.keys(hash);
    const heads = await Promise.all([this.head(keys.manifest), this.head(keys.recording)]);
    // The manifest first: from then on the recording no longer counts as stored.
    for (const key of [keys.manifest, keys.signature, keys.recording]) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    }
    return heads.some((head) => head !== null);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private keys(hash: string): { recording: string; manifest: string; signature: string } {
    const names = recordingNames(hash);
    return {
      recording: this.prefix + names.recording,
      manifest: this.prefix + names.manifest,
      signature: this.prefix + names.signature,
    };
  }

  /**
   * The stored recording as its manifest seals it, and the object's own entity tag. `fresh` asks
   * the server whether the object is still there (one HEAD); the manifest is fetched only for an
   * object not seen before. Reads skip the HEAD: their ETag condition does its work.
   */
  private async located(hash: string, fresh: boolean): Promise<Located> {
    const known = this.known.get(hash);
    if (known !== undefined && !fresh) return known;
    const keys = this.keys(hash);
    const head = await this.head(keys.recording);
    if (head === null) {
      this.known.forget(hash);
      throw new RecordingNotFoundError(hash, this.description);
    }
    if (known !== undefined && head.ETag !== undefined && head.ETag === known.etag) return known;
    const manifest = await this.text(keys.manifest);
    if (manifest === null) throw new RecordingNotFoundError(hash, this.description);
    const { size, sha256 } = sealedContent(manifest);
    if (head.ContentLength !== size) {
      throw new GatewayError(
        409,
        'RECORDING_ALTERED',
        `The recording ${hash} has ${head.ContentLength} bytes in ${this.description} instead of the ${size} its manifest seals: it was altered`,
      );
    }
    const located = { stored: { size, sha256, etag: etagOf(sha256) }, etag: head.ETag };
    this.known.set(hash, located);
    return located;
  }

  private async storedSha256(hash: string): Promise<string | null> {
    const head = await this.head(this.keys(hash).recording);
    if (head === null) return null;
    return head.Metadata?.[SHA256_METADATA] ?? '';
  }

  /**
   * Uploads the recording, hashing it on the way; the SHA-256 now stored under the key. Bytes that
   * are not the sealed ones are removed again and refused. When a conditional write finds another
   * node's object, that object's SHA-256 is returned for the caller to compare.
   */
  private async upload(
    recording: SealedRecordingFiles,
    key: string,
    sealed: { size: number; sha256: string },
  ): Promise<string | null> {
    const size = (await stat(recording.file)).size;
    if (size !== sealed.size) throw this.altered(recording, size, sealed);
    const common = {
      Bucket: this.bucket,
      Key: key,
      ContentType: 'application/octet-stream',
      Metadata: { [SHA256_METADATA]: sealed.sha256 },
      IfNoneMatch: '*',
    };
    try {
      if (size <= this.partSize) {
        const body = await readFile(recording.file);
        const sha256 = createHash('sha256').update(body).digest();
        if (sha256.toString('hex') !== sealed.sha256) throw this.altered(recording, size, sealed);
        // The server checks the whole object against the sealed hash.
        await this.client.send(
          new PutObjectCommand({ ...common, Body: body, ChecksumSHA256: sha256.toString('base64') }),
        );
        return sealed.sha256;
      }
      const hash = createHash('sha256');
      const upload = new Upload({
        client: this.client,
        params: { ...common, Body: Readable.from(hashed(recording.file, hash)), ChecksumAlgorithm: 'SHA256' },
        partSize: this.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
      if (hash.digest('hex') !== sealed.sha256) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
        throw this.altered(recording, size, sealed);
      }
      return sealed.sha256;
    } catch (err) {
      if (statusOf(err) === 412) return this.storedSha256(recording.hash);
      throw err;
    }
  }

  private altered(recording: SealedRecordingFiles, size: number, sealed: { size: number; sha256: string }) {
    return new GatewayError(
      409,
      'RECORDING_ALTERED',
      `${recording.file} (${size} bytes) is not the recording its manifest seals (${sealed.size} bytes, SHA-256 ${sealed.sha256})`,
    );
  }

  private async putText(key: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: Buffer.from(text, 'utf8'),
        ContentType: key.endsWith('.json') ? 'application/json' : 'text/plain',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  private async head(key: string): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private async text(key: string): Promise<string | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
}

async function* hashed(file: string, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return statusOf(err) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}
