import { RDP_ERRORS, type RdpTargetError } from './errors';

/**
 * How the target's TLS certificate is trusted, as SSH host keys are: pinned in advance by an
 * administrator, or on first use. node-rdpjs accepts any certificate, so this check is the only one.
 */
export interface CertificatePin {
  /** The SHA-256 fingerprint pinned for the target, or null when none is yet. */
  pinned: string | null;
  /**
   * Called only when nothing is pinned: pins the fingerprint shown and resolves to the one pinned now
   * (a concurrent first connection may have pinned another), or null to refuse. Without it, a target
   * with no pinned certificate is refused.
   */
  pinOnFirstUse?: (fingerprint: string) => Promise<string | null>;
}

/**
 * The canonical form, `AB:CD:…` (32 bytes of upper-case hex), as `openssl x509 -fingerprint -sha256`
 * and Node's `fingerprint256` print it; accepts the hex with or without colons, in any case.
 * null when `text` is not a SHA-256 fingerprint.
 */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.trim().replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/** null when the connection may go on with the certificate shown; otherwise why not. */
export async function checkCertificate(pin: CertificatePin, shown: string): Promise<RdpTargetError | null> {
  const pinned = pin.pinned === null ? null : normalizeFingerprint(pin.pinned);
  if (pin.pinned !== null) {
    if (pinned === null)
      return RDP_ERRORS.certificateNotAccepted(shown, 'the pinned fingerprint is malformed');
    return pinned === shown ? null : RDP_ERRORS.certificateChanged(pinned, shown);
  }
  if (pin.pinOnFirstUse === undefined) {
    return RDP_ERRORS.certificateNotAccepted(shown, 'no certificate is pinned for the target');
  }
  let nowPinned: string | null;
  try {
    nowPinned = await pin.pinOnFirstUse(shown);
  } catch (err) {
    return RDP_ERRORS.certificateNotAccepted(shown, `it could not be pinned: ${(err as Error).message}`);
  }
  if (nowPinned === null) return RDP_ERRORS.certificateNotAccepted(shown, 'refused on first use');
  const normalized = normalizeFingerprint(nowPinned) ?? nowPinned;
  return normalized === shown ? null : RDP_ERRORS.certificateChanged(normalized, shown);
}
