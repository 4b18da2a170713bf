import { EVIDENCE_ERROR } from '../../../shared/evidenceIpc';
import { AppFailure, describe } from '../errors';

/** Without the gateway there is no session info, logs or audit proof: nothing is written. */
export class EvidenceNeedsGatewayError extends AppFailure {
  constructor(why: string) {
    super(
      EVIDENCE_ERROR.needsGateway,
      `An evidence bundle needs the gateway for the sessions' info, logs and audit-trail proof, and ${why}. ` +
        'Nothing was written. Sign in to the gateway the sessions were recorded on and export again.',
    );
  }
}

export class EvidenceJobNotFoundError extends AppFailure {
  constructor(jobId: string) {
    super(EVIDENCE_ERROR.jobNotFound, `No evidence export ${jobId}`);
  }
}

export class NotABundleError extends AppFailure {
  constructor(path: string, cause: unknown) {
    super(EVIDENCE_ERROR.notABundle, `${path} is not a readable evidence bundle: ${describe(cause)}`);
  }
}
