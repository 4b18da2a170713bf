import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { MASTER_KEY_LENGTH } from './crypto/secrets';

/** Everything the gateway keeps lives in one folder. */
export interface DataPaths {
  root: string;
  database: string;
  recordings: string;
  tlsKey: string;
  tlsCert: string;
  signingKey: string;
  masterKey: string;
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    database: join(root, 'vigil.db'),
    recordings: join(root, 'recordings'),
    tlsKey: join(root, 'tls-key.pem'),
    tlsCert: join(root, 'tls-cert.pem'),
    signingKey: join(root, 'signing-key.pem'),
    masterKey: join(root, 'master.key'),
  };
}

/**
 * Creates the data folder, and on every start gives it, the database and the key files owner-only
 * modes (0700 / 0600): a folder created by hand or restored from a backup may be world-readable.
 */
export function ensureDataDir(root: string): DataPaths {
  const paths = dataPaths(root);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  mkdirSync(paths.recordings, { recursive: true, mode: 0o700 });
  restrict(root, 0o700);
  restrict(paths.recordings, 0o700);
  // SQLite creates its -wal and -shm files with the database file's mode: create it private.
  closeSync(openSync(paths.database, 'a', 0o600));
  for (const file of [
    paths.database,
    `${paths.database}-wal`,
    `${paths.database}-shm`,
    paths.tlsKey,
    paths.signingKey,
    paths.masterKey,
    join(root, 'ssh-host-ed25519-key'),
  ]) {
    if (exists(file)) restrict(file, 0o600);
  }
  return paths;
}

/** Takes away every permission beyond `mode` (never adds any). */
function restrict(path: string, mode: number): void {
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) !== 0) chmodSync(path, current & mode);
}

/**
 * Creates a secret file exactly once even when the gateway and the CLI start together: the content
 * is written to a private temp file and hard-linked into place, which fails if another process won.
 */
function createOnce(path: string, content: string | Buffer): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    unlinkSync(temp);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** 32-byte key that encrypts target credentials (AES-256-GCM); kept at mode 0600. */
export function loadMasterKey(paths: DataPaths): Buffer {
  if (!exists(paths.masterKey)) createOnce(paths.masterKey, randomBytes(MASTER_KEY_LENGTH));
  if ((statSync(paths.masterKey).mode & 0o077) !== 0) chmodSync(paths.masterKey, 0o600);
  const key = readFileSync(paths.masterKey);
  if (key.length !== MASTER_KEY_LENGTH) {
    throw new Error(`${paths.masterKey} must hold exactly ${MASTER_KEY_LENGTH} bytes`);
  }
  return key;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** Ed25519 key that seals finished recordings. */
export function loadSigningKey(paths: DataPaths): SigningKey {
  if (!exists(paths.signingKey)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    createOnce(paths.signingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  }
  const privateKey = createPrivateKey(readFileSync(paths.signingKey));
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}

export interface TlsMaterial {
  key: string;
  cert: string;
  /** SHA-256 of the DER certificate, `AA:BB:…` uppercase (as Node's `cert.fingerprint256`). */
  fingerprint: string;
}

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 100 && !exists(path); i++) await new Promise((r) => setTimeout(r, 50));
}

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/** Self-signed certificate for 127.0.0.1 and localhost, made on first start and kept afterwards. */
export async function loadTls(paths: DataPaths): Promise<TlsMaterial> {
  if (!exists(paths.tlsCert) || !exists(paths.tlsKey)) {
    const now = new Date();
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 60_000),
      notAfterDate: new Date(now.getTime() + TEN_YEARS_MS),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    });
    // Whoever placed the key also places its certificate; a loser waits for the winner's pair.
    if (createOnce(paths.tlsKey, pems.private)) createOnce(paths.tlsCert, pems.cert);
    else await waitFor(paths.tlsCert);
  }
  const key = readFileSync(paths.tlsKey, 'utf8');
  const cert = readFileSync(paths.tlsCert, 'utf8');
  return { key, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
