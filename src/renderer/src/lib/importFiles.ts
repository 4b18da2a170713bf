/** The parts of a recording someone sends: the manifest's signature vouches for the recording. */
export type ImportPart = 'recording' | 'manifest' | 'signature' | 'publicKey';

export type ImportSelection<F> =
  | { ok: true; files: { recording: F; manifest: F; signature: F; publicKey?: F } }
  | { ok: false; missing: ImportPart[]; twice: ImportPart[] };

/**
 * Which file is which, by name as Vigil saves them: `*.sig` the signature, `*.pem` the signer's
 * public key (optional), `*manifest.json` the manifest, and the recording is `.vrec` or any file
 * without one of those extensions (recordings sent by mail often lose theirs).
 */
export function partOf(name: string): ImportPart | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.sig')) return 'signature';
  if (lower.endsWith('.pem')) return 'publicKey';
  if (lower.endsWith('manifest.json')) return 'manifest';
  if (lower.endsWith('.json')) return null;
  return 'recording';
}

export function selectImportFiles<F extends { name: string }>(files: readonly F[]): ImportSelection<F> {
  const found = new Map<ImportPart, F>();
  const twice = new Set<ImportPart>();
  for (const file of files) {
    const part = partOf(file.name);
    if (part === null) continue;
    if (found.has(part)) twice.add(part);
    found.set(part, file);
  }
  const required: ImportPart[] = ['recording', 'manifest', 'signature'];
  const missing = required.filter((part) => !found.has(part));
  const recording = found.get('recording');
  const manifest = found.get('manifest');
  const signature = found.get('signature');
  if (missing.length > 0 || twice.size > 0 || !recording || !manifest || !signature) {
    return { ok: false, missing, twice: [...twice] };
  }
  const publicKey = found.get('publicKey');
  return { ok: true, files: { recording, manifest, signature, ...(publicKey ? { publicKey } : {}) } };
}
