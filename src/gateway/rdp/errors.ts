export type RdpTargetErrorCode =
  | 'certificate-mismatch'
  | 'certificate-refused'
  | 'login-failed'
  | 'timeout'
  | 'connection-refused'
  | 'unreachable'
  | 'closed'
  | 'tls'
  | 'protocol';

/** The RDP leg to the target could not open (or broke); `message` is meant for the operator. */
export class RdpTargetError extends Error {
  override name = 'RdpTargetError';
  constructor(
    readonly code: RdpTargetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const RDP_ERRORS = {
  certificateChanged: (pinned: string, shown: string) =>
    new RdpTargetError(
      'certificate-mismatch',
      `the target's TLS certificate changed (pinned SHA-256 ${pinned}, now ${shown}); ` +
        'an administrator must check it and pin the new one',
    ),
  certificateNotAccepted: (shown: string, detail: string) =>
    new RdpTargetError(
      'certificate-refused',
      `the target's TLS certificate (SHA-256 ${shown}) was not accepted (${detail})`,
    ),
  loginFailed: (detail: string) =>
    new RdpTargetError('login-failed', `the target refused the stored credential (${detail})`),
  timeout: (stage: string, ms: number) =>
    new RdpTargetError('timeout', `the target did not answer in time (${stage}, ${Math.round(ms / 1000)} s)`),
  refused: (address: string) =>
    new RdpTargetError('connection-refused', `the target refused the connection (${address})`),
  unreachable: (detail: string) => new RdpTargetError('unreachable', `the target is unreachable (${detail})`),
  closed: (stage: string) => new RdpTargetError('closed', `the target closed the connection (${stage})`),
  dropped: () => new RdpTargetError('closed', 'the connection was dropped before the login finished'),
  tls: (detail: string) => new RdpTargetError('tls', `the TLS handshake with the target failed (${detail})`),
  noTls: () =>
    new RdpTargetError('protocol', 'the target offers only standard RDP security; the gateway requires TLS'),
  nla: () =>
    new RdpTargetError(
      'protocol',
      'the target requires Network Level Authentication (NLA), which the gateway does not support',
    ),
  protocol: (detail: string) =>
    new RdpTargetError('protocol', `the target's RDP could not be understood (${detail})`),
} as const;

/** Maps what node-rdpjs or the socket emitted to an error for the operator. */
export function describeRdpFailure(err: Error & { code?: string }, address: string): RdpTargetError {
  if (err instanceof RdpTargetError) return err;
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return RDP_ERRORS.refused(address);
  if (/^E[A-Z]+$/.test(code)) return RDP_ERRORS.unreachable(code);
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return RDP_ERRORS.tls(code);
  if (code === 'NODE_RDP_PROTOCOL_X224_NLA_NOT_SUPPORTED') return RDP_ERRORS.nla();
  if (code === 'NODE_RDP_PROTOCOL_X224_NEG_FAILURE')
    return RDP_ERRORS.protocol(`negotiation refused: ${err.message}`);
  return RDP_ERRORS.protocol(code || err.message || String(err));
}
