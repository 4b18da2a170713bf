import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { FolderRecordingStore, localRecordingStore } from './folderStore';
import type { RecordingStore } from './recordingStore';
import { S3RecordingStore } from './s3Store';

/**
 * The store a `--recordings` value names:
 * - none: the data folder's `recordings` (one node);
 * - `file:///mnt/vigil`: a folder every node mounts;
 * - `s3://bucket/prefix?endpoint=https://minio.example:9000&region=eu-west-1&pathStyle=true`: S3 or
 *   a compatible server. Credentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID and
 *   AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from the URL, which ends up in logs.
 */
export function openRecordingStore(spec: string | undefined, dataDir: string): RecordingStore {
  if (spec === undefined || spec === '') return localRecordingStore(dataDir);
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new Error(`--recordings must be a file:// or s3:// URL, got "${spec}"`);
  }
  if (url.protocol === 'file:') return new FolderRecordingStore(fileURLToPath(url));
  if (url.protocol === 's3:') {
    if (url.username !== '' || url.password !== '') {
      throw new Error(
        '--recordings must not carry credentials: use the AWS environment variables or a profile',
      );
    }
    if (url.hostname === '') throw new Error(`--recordings names no bucket: "${spec}"`);
    const endpoint = url.searchParams.get('endpoint') ?? undefined;
    const client = new S3Client({
      region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint === undefined ? {} : { endpoint }),
      // Most self-hosted servers want path-style URLs; AWS itself wants virtual hosts.
      forcePathStyle: (url.searchParams.get('pathStyle') ?? String(endpoint !== undefined)) === 'true',
    });
    return new S3RecordingStore({
      client,
      bucket: url.hostname,
      prefix: decodeURIComponent(url.pathname.slice(1)),
    });
  }
  throw new Error(`--recordings must be a file:// or s3:// URL, got "${spec}"`);
}
