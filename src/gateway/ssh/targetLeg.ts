import ssh2, { type Client, type ClientChannel, type PseudoTtyInfo } from 'ssh2';
import type { TargetRecord } from '../db/targets';
import type { TargetCredential } from './access';
import { keyFingerprint } from './keys';
import { TARGET_ERRORS } from './messages';

export interface TargetRequest {
  target: TargetRecord;
  credential: TargetCredential;
  /** The host key fingerprint pinned for the target, or null on the first connection. */
  pinnedHostKey: string | null;
  /**
   * Pins the key shown on the first connection; returns the key pinned now. Only when that is the
   * key shown does the connection go on: a concurrent first connection may have pinned another.
   */
  pinHostKey(fingerprint: string): Promise<string | null>;
  pty: PseudoTtyInfo | null;
  env: Readonly<Record<string, string>>;
  /** null opens a shell (or the subsystem); otherwise the command of `ssh … command`. */
  command: string | null;
  /** A subsystem (SFTP) to start instead of a shell, for operators granted file transfer. */
  subsystem?: string | null;
  readyTimeoutMs?: number;
}

/** The gateway's own SSH connection to the target and the session channel on it. */
export interface TargetLeg {
  client: Client;
  channel: ClientChannel;
  /**
   * The channel's 'exit' arguments if the target reported them before the session took over the
   * channel: a command that ends at once sends its exit status in the same packets as the open.
   */
  earlyExit?: TargetExitArgs;
}

export type TargetExitArgs = [code: number | null, signal?: string, dumped?: boolean, description?: string];

/** The target leg could not open; `reason` is shown to the operator and kept as the session's error. */
export class TargetError extends Error {
  override name = 'TargetError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Logs into the target as the credential's account (private key first when there is one, then the
 * password, also through keyboard-interactive) and opens the shell or command the operator asked
 * for, with their terminal. The target's host key is checked against the one pinned (in advance by
 * an administrator, or on first use).
 */
export function openTargetLeg(request: TargetRequest): Promise<TargetLeg> {
  const { target, credential, pty, env, command, subsystem } = request;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyProblem: string | null = null;
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(new TargetError(reason));
    };
    client.on('connect', () => client.setNoDelay(true));
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) =>
      finish(prompts.map(() => credential.password)),
    );
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostKeyProblem !== null) fail(hostKeyProblem);
      else if (err.level === 'client-authentication') fail(TARGET_ERRORS.auth);
      else if (err.level === 'client-timeout') fail(TARGET_ERRORS.timeout);
      else fail(TARGET_ERRORS.unreachable(err.code ?? err.message));
    });
    client.on('close', () => fail(hostKeyProblem ?? TARGET_ERRORS.unreachable('connection closed')));
    client.once('ready', () => {
      const opened = (err: Error | undefined, channel: ClientChannel): void => {
        if (err) return fail(TARGET_ERRORS.channel(err.message));
        if (settled) {
          channel.close();
          return;
        }
        settled = true;
        const leg: TargetLeg = { client, channel };
        channel.once('exit', (...args: TargetExitArgs) => (leg.earlyExit = args));
        resolve(leg);
      };
      const window = pty === null ? false : ptyOptions(pty);
      if (subsystem !== undefined && subsystem !== null) client.subsys(subsystem, opened);
      else if (command === null) client.shell(window, { env }, opened);
      else client.exec(command, { env, ...(window === false ? {} : { pty: window }) }, opened);
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: credential.account,
      password: credential.password,
      ...(credential.privateKey === null ? {} : { privateKey: credential.privateKey }),
      tryKeyboard: true,
      readyTimeout: request.readyTimeoutMs ?? 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      // Two parameters: ssh2 waits for `verify`, so the first key can be pinned in the database.
      hostVerifier: (key: Buffer, verify: (accepted: boolean) => void) => {
        const shown = keyFingerprint(key);
        if (request.pinnedHostKey !== null) {
          if (shown !== request.pinnedHostKey)
            hostKeyProblem = TARGET_ERRORS.hostKeyChanged(request.pinnedHostKey, shown);
          verify(shown === request.pinnedHostKey);
          return;
        }
        request.pinHostKey(shown).then(
          (pinned) => {
            if (pinned !== shown) hostKeyProblem = TARGET_ERRORS.hostKeyChanged(pinned ?? 'none', shown);
            verify(pinned === shown);
          },
          (err: Error) => {
            hostKeyProblem = TARGET_ERRORS.hostKeyNotPinned(err.message);
            verify(false);
          },
        );
      },
    });
  });
}

function ptyOptions(pty: PseudoTtyInfo) {
  return {
    term: pty.term,
    cols: pty.cols,
    rows: pty.rows,
    width: pty.width,
    height: pty.height,
    modes: pty.modes,
  };
}
