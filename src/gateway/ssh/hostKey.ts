import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { DataPaths } from '../datadir';
import { generateEd25519KeyPair, keyFingerprint } from './keys';

export interface HostKey {
  /** OpenSSH private key (what ssh2's Server takes). */
  privateKey: string;
  /** "SHA256:…", as `ssh` shows it when it first meets the gateway. */
  fingerprint: string;
}

export function hostKeyPath(paths: DataPaths): string {
  return join(paths.root, 'ssh-host-ed25519-key');
}

/** The SSH proxy's Ed25519 host key: made on first start (mode 0600), then kept. */
export function loadHostKey(paths: DataPaths): HostKey {
  const path = hostKeyPath(paths);
  let privateKey: string;
  try {
    privateKey = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const pair = generateEd25519KeyPair('vigil-gateway');
    // Written aside and linked into place: two processes starting at once keep one key.
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, pair.private, { mode: 0o600 });
    try {
      linkSync(temp, path);
    } catch (linkErr) {
      if ((linkErr as NodeJS.ErrnoException).code !== 'EEXIST') throw linkErr;
    } finally {
      unlinkSync(temp);
    }
    privateKey = readFileSync(path, 'utf8');
  }
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`${path}: ${parsed.message}`);
  return { privateKey, fingerprint: keyFingerprint(parsed.getPublicSSH()) };
}
