/** Texts the SSH proxy writes to operators. */
export const PROXY_MESSAGES = {
  usage: (login: string, gateway: { host: string; port: number }) =>
    `Vigil: name the account and target to open: ssh -p ${gateway.port} ${login}@ACCOUNT@TARGET@${gateway.host}`,
  accessNotGranted: (login: string, account: string, target: string) =>
    `Vigil: access not granted: ${login} may not open sessions as ${account} on ${target}`,
  fileTransferNotGranted: (login: string, account: string, target: string) =>
    `Vigil: file transfer (SFTP, scp, rsync) not granted: ${login} may not transfer files as ${account} on ${target}`,
  subsystemRefused: (name: string) => `Vigil: the SSH subsystem "${name}" is not available through Vigil`,
  targetFailed: (account: string, target: string, reason: string) =>
    `Vigil: could not open the session as ${account} on ${target}: ${reason}`,
  targetLost: (target: string) => `Vigil: the connection to ${target} was lost`,
  gatewayStopping: 'Vigil: the gateway is shutting down',
  recordingFailed: 'Vigil: the session cannot be recorded, so it was closed',
  inputDropped: (bytes: number) => `Vigil: ${bytes} bytes typed after it were not sent`,
  internalError: (detail: string) => `Vigil: the gateway could not open the session (${detail})`,
} as const;

/** Why the target leg could not open, for the operator and the session's error message. */
export const TARGET_ERRORS = {
  auth: 'the target refused the stored credential',
  hostKeyChanged: (pinned: string, shown: string) =>
    `the target's host key changed (pinned ${pinned}, now ${shown}); an administrator must check it ` +
    'and run "vigil-gateway target forget-host-key"',
  hostKeyNotPinned: (detail: string) => `the target's host key could not be recorded (${detail})`,
  unreachable: (detail: string) => `the target is unreachable (${detail})`,
  timeout: 'the target did not answer in time',
  channel: (detail: string) => `the target refused to start the session (${detail})`,
  credential: 'the stored credential cannot be decrypted',
} as const;
