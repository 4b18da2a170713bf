import { IPC_ERROR } from '../../shared/ipc';
import type { AppError } from '../../shared/result';

/** An error whose code and message may be shown to the renderer as they are. */
export class AppFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The gateway answered with an error body `{error:{code,message}}` (or at least a non-2xx status). */
export class GatewayError extends AppFailure {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

export class CertificateChangedError extends AppFailure {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      IPC_ERROR.certificateChanged,
      `The gateway presented a different TLS certificate (expected ${expected}, got ${actual}). ` +
        'The connection was blocked and nothing was sent.',
    );
  }
}

/** A first connection: nothing was sent, and nothing is until the user trusts this fingerprint. */
export class CertificateNotTrustedError extends AppFailure {
  constructor(readonly fingerprint: string) {
    super(
      IPC_ERROR.certificateNotTrusted,
      `The gateway's TLS certificate is not trusted yet (SHA-256 ${fingerprint}). ` +
        'Compare this fingerprint with the one the gateway printed, then trust it to connect.',
    );
  }
}

export class NetworkError extends AppFailure {
  constructor(message: string) {
    super(IPC_ERROR.network, message);
  }
}

export class ValidationError extends AppFailure {
  constructor(message: string) {
    super(IPC_ERROR.validation, message);
  }
}

export class NotLoggedInError extends AppFailure {
  constructor() {
    super(IPC_ERROR.notLoggedIn, 'Not logged in to a gateway');
  }
}

export class ProfileNotFoundError extends AppFailure {
  constructor(profileId: string) {
    super(IPC_ERROR.profileNotFound, `No gateway profile with id ${profileId}`);
  }
}

export class KeychainUnavailableError extends AppFailure {
  constructor(cause: unknown) {
    super(IPC_ERROR.keychainUnavailable, `The OS keychain cannot be used: ${describe(cause)}`);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Converts anything thrown into the error half of a Result; unknown errors become INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppFailure) return { code: error.code, message: error.message };
  return { code: IPC_ERROR.internal, message: `Unexpected error: ${describe(error)}` };
}
