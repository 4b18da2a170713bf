import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureDataDir } from '../../src/gateway/datadir';
import { FolderRecordingStore, localRecordingStore } from '../../src/gateway/recordings/folderStore';
import { openRecordingStore } from '../../src/gateway/recordings/openRecordingStore';
import {
  RecordingConflictError,
  RecordingNotFoundError,
  RecordingRangeError,
  type RecordingStore,
  type SealedRecordingFiles,
} from '../../src/gateway/recordings/recordingStore';
import { S3RecordingStore } from '../../src/gateway/recordings/s3Store';
import { answerRange } from '../../src/gateway/routes/byteRange';
import { RecordingWriter } from '../../src/recording';
import {
  canonicalManifestBytes,
  keyId,
  verifySealed,
  type RecordingManifest,
} from '../../src/recording/manifest';
import { makeTempDir } from '../support/gateway';

/**
 * Finished recordings in a shared store: one behaviour suite run on the data folder's own
 * recordings folder, on a folder several nodes share, and on S3-compatible object storage (fauxqs,
 * a local S3 emulator from npm, started here on 127.0.0.1). Each store is reached as two nodes
 * would: what one node puts, another node's instance stats, reads and deletes.
 */
const MIB = 1024 * 1024;
/** Small parts so that the large recording goes up in several (fauxqs takes at most 11 MiB a request). */
const PART_SIZE = 8 * MIB;

let dir: string;
let signingKey: KeyObject;
let publicKey: KeyObject;
let s3: FauxqsServer;

const s3Client = () =>
  new S3Client({
    endpoint: s3.address,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'vigil-test', secretAccessKey: 'vigil-test-secret' },
  });

beforeAll(async () => {
  dir = makeTempDir('vigil-recording-store-');
  ({ privateKey: signingKey, publicKey } = generateKeyPairSync('ed25519'));
  s3 = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const client = s3Client();
  await client.send(new CreateBucketCommand({ Bucket: 'vigil-recordings' }));
  client.destroy();
});

afterAll(async () => {
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface StoreKind {
  name: string;
  /** Two instances on the same storage, as two gateway nodes would have. */
  open(): { nodeA: RecordingStore; nodeB: RecordingStore; folder: string | null };
}

let counter = 0;
const KINDS: StoreKind[] = [
  {
    name: 'the data folder of one node',
    open: () => {
      const data = join(dir, `data-${++counter}`);
      ensureDataDir(data);
      return {
        nodeA: localRecordingStore(data),
        nodeB: localRecordingStore(data),
        folder: join(data, 'recordings'),
      };
    },
  },
  {
    name: 'a folder shared by the nodes',
    open: () => {
      const shared = join(dir, `shared-${++counter}`);
      return {
        nodeA: openRecordingStore(`file://${shared}`, join(dir, 'unused')),
        nodeB: new FolderRecordingStore(shared),
        folder: shared,
      };
    },
  },
  {
    name: 'S3-compatible object storage',
    open: () => {
      const prefix = `cluster-${++counter}/recordings`;
      const store = () =>
        new S3RecordingStore({ client: s3Client(), bucket: 'vigil-recordings', prefix, partSize: PART_SIZE });
      return { nodeA: store(), nodeB: store(), folder: null };
    },
  },
];

/** A recording on a node's local disk with its manifest and signature, as the gateway seals it. */
function sealedRecording(
  bytes: Buffer,
  options: { hash?: string; sealedBytes?: Buffer } = {},
): SealedRecordingFiles {
  const hash = options.hash ?? randomBytes(16).toString('hex');
  const local = join(dir, 'node-local', randomBytes(6).toString('hex'));
  mkdirSync(local, { recursive: true });
  const file = join(local, `${hash}.vrec`);
  writeFileSync(file, bytes);
  return { hash, file, ...seal(hash, options.sealedBytes ?? bytes) };
}

function seal(hash: string, bytes: Buffer): { manifest: string; signature: string } {
  const manifest: RecordingManifest = {
    format: 'vigil-recording',
    version: 1,
    sessionId: 7,
    hash,
    operator: 'olga',
    account: 'root',
    target: 'web-01',
    protocol: 'ssh',
    startedAt: '2026-01-05T10:00:00.000Z',
    endedAt: '2026-01-05T10:30:00.000Z',
    durationMs: 1_800_000,
    size: bytes.length,
    sha256: sha256(bytes),
    gatewayKeyId: keyId(publicKey),
    signedAt: '2026-01-05T10:30:01.000Z',
  };
  const manifestBytes = canonicalManifestBytes(manifest);
  return {
    manifest: manifestBytes.toString('utf8'),
    signature: sign(null, manifestBytes, signingKey).toString('base64'),
  };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAll(
  store: RecordingStore,
  hash: string,
  range?: { start: number; end: number },
): Promise<Buffer> {
  return buffer(await store.read(hash, range));
}

/** Reads the bytes an HTTP Range header asks for, as the recording route answers it. */
async function readHeader(store: RecordingStore, hash: string, header: string): Promise<Buffer> {
  const { size } = await store.stat(hash);
  const answer = answerRange(header, size);
  if (answer.kind !== 'partial') throw new Error(`${header} is not a partial range here`);
  return readAll(store, hash, answer);
}

describe.each(KINDS)('Recordings stored in $name', (kind) => {
  test('a sealed recording put by one node is served whole by another, and its seal still verifies', async () => {
    const { nodeA, nodeB } = kind.open();
    // A real recording, as the writer leaves it when the session finishes.
    const hash = randomBytes(16).toString('hex');
    const path = join(dir, `${hash}.vrec`);
    const writer = new RecordingWriter({ path, sessionId: hash, checkpoints: false });
    writer.output(Buffer.from('$ systemctl restart nginx\r\n$ exit\r\n'));
    const finished = await writer.close();
    const bytes = readFileSync(path);
    const recording = { hash, file: path, ...seal(hash, bytes) };

    expect(await nodeB.exists(hash)).toBe(false);
    expect(await nodeA.put(recording)).toBe('stored');

    expect(await nodeB.exists(hash)).toBe(true);
    expect(await nodeB.stat(hash)).toEqual({
      size: finished.size,
      sha256: finished.sha256,
      etag: `"${finished.sha256}"`,
    });
    const served = await readAll(nodeB, hash);
    expect(served.equals(bytes)).toBe(true);
    const stored = await nodeB.seal(hash);
    expect(stored).toEqual({ manifest: recording.manifest, signature: recording.signature });
    const verdict = verifySealed({
      manifestBytes: Buffer.from(stored.manifest),
      signature: Buffer.from(stored.signature, 'base64'),
      publicKey,
      file: { size: served.length, sha256: sha256(served) },
    });
    expect(verdict.ok).toBe(true);
  });

  test('byte ranges serve the first and last byte, a middle slice, a suffix and an open end', async () => {
    const { nodeA, nodeB } = kind.open();
    const bytes = randomBytes(300_000);
    const { hash } = await putNew(nodeA, bytes);

    expect(await readAll(nodeB, hash, { start: 0, end: 0 })).toEqual(bytes.subarray(0, 1));
    expect(await readAll(nodeB, hash, { start: bytes.length - 1, end: bytes.length - 1 })).toEqual(
      bytes.subarray(bytes.length - 1),
    );
    expect(await readAll(nodeB, hash, { start: 1000, end: 199_999 })).toEqual(bytes.subarray(1000, 200_000));
    expect(await readHeader(nodeB, hash, 'bytes=-4096')).toEqual(bytes.subarray(bytes.length - 4096));
    expect(await readHeader(nodeB, hash, 'bytes=-1')).toEqual(bytes.subarray(bytes.length - 1));
    expect(await readHeader(nodeB, hash, 'bytes=250000-')).toEqual(bytes.subarray(250_000));
    // An end past the last byte is cut to it, as HTTP wants.
    expect(await readAll(nodeB, hash, { start: 299_990, end: 10_000_000 })).toEqual(bytes.subarray(299_990));
    await expect(nodeB.read(hash, { start: bytes.length, end: bytes.length + 10 })).rejects.toBeInstanceOf(
      RecordingRangeError,
    );
  });

  test('a recording that was never stored is not found, whatever is asked of it', async () => {
    const { nodeB } = kind.open();
    const hash = randomBytes(16).toString('hex');
    expect(await nodeB.exists(hash)).toBe(false);
    await expect(nodeB.stat(hash)).rejects.toBeInstanceOf(RecordingNotFoundError);
    await expect(nodeB.read(hash, { start: 0, end: 9 })).rejects.toBeInstanceOf(RecordingNotFoundError);
    await expect(nodeB.seal(hash)).rejects.toBeInstanceOf(RecordingNotFoundError);
    expect(await nodeB.delete(hash)).toBe(false);
    await expect(nodeB.stat('../../etc/passwd')).rejects.toThrow(/not a recording hash/);
  });

  test('putting the same recording again changes nothing, and different bytes under its hash are refused', async () => {
    const { nodeA, nodeB } = kind.open();
    const bytes = randomBytes(50_000);
    const first = await putNew(nodeA, bytes);
    // The other node finishing the same recording (a retry after a crash) finds it there.
    expect(await nodeB.put(sealedRecording(bytes, { hash: first.hash }))).toBe('already-stored');

    const other = sealedRecording(randomBytes(50_000), { hash: first.hash });
    await expect(nodeB.put(other)).rejects.toBeInstanceOf(RecordingConflictError);
    expect((await readAll(nodeA, first.hash)).equals(bytes)).toBe(true);
    expect(await nodeA.seal(first.hash)).toEqual({ manifest: first.manifest, signature: first.signature });
  });

  test('a local file that is not the recording its manifest seals is refused and never stored', async () => {
    const { nodeA, nodeB } = kind.open();
    const sealedBytes = randomBytes(40_000);
    const tampered = Buffer.from(sealedBytes);
    tampered[123] = tampered[123]! ^ 0xff;
    const recording = sealedRecording(tampered, { sealedBytes });
    await expect(nodeA.put(recording)).rejects.toThrow(/seals/);
    expect(await nodeB.exists(recording.hash)).toBe(false);
    // The genuine bytes can still be stored afterwards.
    writeFileSync(recording.file, sealedBytes);
    expect(await nodeA.put(recording)).toBe('stored');
  });

  test('a purged recording is gone for every node', async () => {
    const { nodeA, nodeB } = kind.open();
    const { hash } = await putNew(nodeA, randomBytes(10_000));
    const kept = await putNew(nodeA, randomBytes(10_000));
    expect(await nodeB.delete(hash)).toBe(true);
    expect(await nodeA.exists(hash)).toBe(false);
    await expect(nodeA.stat(hash)).rejects.toBeInstanceOf(RecordingNotFoundError);
    await expect(nodeA.read(hash)).rejects.toBeInstanceOf(RecordingNotFoundError);
    expect(await nodeB.delete(hash)).toBe(false);
    expect(await nodeA.exists(kept.hash)).toBe(true);
  });

  test('a node that served a recording serves the new one after it was purged and stored again', async () => {
    const { nodeA, nodeB } = kind.open();
    const first = await putNew(nodeA, randomBytes(30_000));
    expect((await readAll(nodeB, first.hash)).length).toBe(30_000);
    expect(await nodeA.delete(first.hash)).toBe(true);
    const again = randomBytes(31_000);
    expect(await nodeA.put(sealedRecording(again, { hash: first.hash }))).toBe('stored');
    expect((await readAll(nodeB, first.hash)).equals(again)).toBe(true);
    expect((await nodeB.stat(first.hash)).sha256).toBe(sha256(again));
    expect(
      (await readAll(nodeB, first.hash, { start: 30_500, end: 40_000 })).equals(again.subarray(30_500)),
    ).toBe(true);
  });

  test('a 20 MB recording goes up whole and every range of it reads back byte-identical', async () => {
    const { nodeA, nodeB, folder } = kind.open();
    const bytes = randomBytes(20 * MIB + 12_345);
    const { hash } = await putNew(nodeA, bytes);
    const whole = await readAll(nodeB, hash);
    expect(sha256(whole)).toBe(sha256(bytes));
    // Across the boundaries of the upload's parts, and the very end.
    for (const start of [PART_SIZE - 3, 2 * PART_SIZE - 1, bytes.length - 5000]) {
      const end = Math.min(start + 70_000, bytes.length - 1);
      expect((await readAll(nodeB, hash, { start, end })).equals(bytes.subarray(start, end + 1))).toBe(true);
    }
    if (folder !== null) {
      expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    }
  });
});

async function putNew(store: RecordingStore, bytes: Buffer): Promise<SealedRecordingFiles> {
  const recording = sealedRecording(bytes);
  expect(await store.put(recording)).toBe('stored');
  return recording;
}

describe('Recordings in a folder', () => {
  test('a node watching the shared folder never sees a partly written recording, nor one without its seal', async () => {
    const shared = join(dir, 'watched');
    const nodeA = new FolderRecordingStore(shared);
    const nodeB = new FolderRecordingStore(shared);
    const bytes = randomBytes(24 * MIB);
    const recording = sealedRecording(bytes);
    mkdirSync(shared, { recursive: true });
    const seen = new Set<string>();
    let done = false;
    const putting = nodeA.put(recording);
    putting.then(
      () => (done = true),
      () => (done = true),
    );
    // Another node looks at the folder for as long as the put runs.
    while (!done) {
      for (const name of readdirSync(shared)) {
        if (name === `${recording.hash}.vrec`) {
          const size = statSync(join(shared, name), { throwIfNoEntry: false })?.size;
          seen.add(`recording of ${size} bytes`);
        }
      }
      if (await nodeB.exists(recording.hash)) {
        seen.add(`stored with ${(await nodeB.stat(recording.hash)).size} bytes`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await putting;
    for (const observation of seen) expect(observation).toMatch(new RegExp(`\\b${bytes.length} bytes`));
    expect(readdirSync(shared).sort()).toEqual(
      [`${recording.hash}.manifest.json`, `${recording.hash}.manifest.sig`, `${recording.hash}.vrec`].sort(),
    );
  });

  test('the local store seals a recording written in place without copying it', async () => {
    const data = join(dir, 'in-place');
    const paths = ensureDataDir(data);
    const bytes = randomBytes(30_000);
    const hash = randomBytes(16).toString('hex');
    const file = join(paths.recordings, `${hash}.vrec`);
    writeFileSync(file, bytes);
    const inode = statSync(file).ino;
    const store = localRecordingStore(data);
    expect(await store.put({ hash, file, ...seal(hash, bytes) })).toBe('stored');
    expect(statSync(file).ino).toBe(inode);
    expect((await store.stat(hash)).sha256).toBe(sha256(bytes));
  });

  test('a recording altered on disk after it was stored is refused, not served', async () => {
    const shared = join(dir, 'altered');
    const store = new FolderRecordingStore(shared);
    const recording = await putNew(store, randomBytes(20_000));
    writeFileSync(join(shared, `${recording.hash}.vrec`), randomBytes(19_000));
    await expect(store.stat(recording.hash)).rejects.toThrow(/altered/);
    await expect(store.read(recording.hash)).rejects.toThrow(/altered/);
  });
});

describe('Recordings in S3-compatible storage', () => {
  test('uploads carry SHA-256 checksums and a large recording goes up in parts', async () => {
    const client = s3Client();
    const store = new S3RecordingStore({
      client,
      bucket: 'vigil-recordings',
      prefix: 'checksums',
      partSize: PART_SIZE,
    });
    const small = await putNew(store, randomBytes(100_000));
    const large = await putNew(store, randomBytes(20 * MIB));
    const head = (hash: string) =>
      client.send(
        new HeadObjectCommand({
          Bucket: 'vigil-recordings',
          Key: `checksums/${hash}.vrec`,
          ChecksumMode: 'ENABLED',
        }),
      );
    const smallHead = await head(small.hash);
    expect(smallHead.ChecksumSHA256).toBe(
      createHash('sha256').update(readFileSync(small.file)).digest('base64'),
    );
    const largeHead = await head(large.hash);
    // A multipart object: its ETag and its checksum say how many parts it was sent in.
    expect(largeHead.ETag).toMatch(/-3"$/);
    expect(largeHead.ChecksumSHA256).toMatch(/-3$/);
    expect(largeHead.Metadata?.sha256).toBe(sha256(readFileSync(large.file)));
    await store.close();
  });

  test('a store URL names the bucket, prefix and endpoint, and refuses credentials in it', async () => {
    expect(() => openRecordingStore('s3://key:secret@bucket/prefix', dir)).toThrow(/credentials/);
    expect(() => openRecordingStore('ftp://host/recordings', dir)).toThrow(/file:\/\/ or s3:\/\//);
    const store = openRecordingStore(
      `s3://vigil-recordings/by-url?endpoint=${encodeURIComponent(s3.address)}`,
      dir,
    );
    expect(store.description).toBe('s3://vigil-recordings/by-url/');
    await store.close();
  });
});
