import type { CertificateAlarm, GatewayProfile } from '@shared/ipc';
import type { AppError } from '@shared/result';

const FINGERPRINT = /[0-9A-F]{2}(?::[0-9A-F]{2}){31}/gi;

/** The fingerprint a CERTIFICATE_NOT_TRUSTED error names (main writes it into the message). */
export function fingerprintFromError(error: AppError): string | null {
  return error.message.match(FINGERPRINT)?.[0]?.toUpperCase() ?? null;
}

/** The same alarm again (main repeats it for every blocked connection, e.g. the logout after Close). */
export function sameAlarm(a: CertificateAlarm | null, b: CertificateAlarm): boolean {
  return a !== null && a.profileId === b.profileId && a.expected === b.expected && a.actual === b.actual;
}

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
