import type { CertificateAlarm, GatewayProfile } from '../../../shared/ipc';
import type { AppError } from '../../../shared/result';

const FINGERPRINT = /[0-9A-F]{2}(?::[0-9A-F]{2}){31}/gi;

/**
 * Builds an alarm from a CERTIFICATE_CHANGED error when the 'cert:alarm' event has not (yet) told
 * us the details: main's message names both fingerprints, otherwise the pinned one is what we knew.
 */
export function alarmFromError(error: AppError, profile: GatewayProfile | null): CertificateAlarm {
  const found = error.message.match(FINGERPRINT) ?? [];
  return {
    profileId: profile?.id ?? '',
    expected: found[0] ?? profile?.fingerprint ?? '',
    actual: found[1] ?? '',
  };
}
