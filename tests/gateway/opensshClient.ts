import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEd25519KeyPair } from '../../src/gateway/ssh/keys';
import { runGatewayCli } from '../support/gateway';
import { waitForValue } from '../support/wait';
import type { Testbed } from './sshTestbed';

/**
 * The real OpenSSH client as an operator: a key the gateway knows, the options that keep it quiet
 * and non-interactive, and tmux panes whose screen a test reads back with `capture-pane`.
 */

/** Makes an Ed25519 key for LOGIN, registers it with the CLI (`user key add`); returns the private key file. */
export async function addOperatorKey(bed: Testbed, login: string): Promise<string> {
  const key = generateEd25519KeyPair(`${login}@laptop`);
  const keyFile = join(bed.dataDir, `${login}_ed25519`);
  writeFileSync(keyFile, key.private, { mode: 0o600 });
  writeFileSync(`${keyFile}.pub`, `${key.public}\n`);
  const added = await runGatewayCli(['user', 'key', 'add', login, `${keyFile}.pub`, '--data', bed.dataDir]);
  if (added.code !== 0) throw new Error(`user key add ${login} failed: ${added.stderr}`);
  return keyFile;
}

/** `ssh` options for the gateway's SSH port: no host key prompt or memory. */
export const opensshOptions = (port: number, logLevel = 'ERROR'): string[] => [
  '-p',
  String(port),
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  `LogLevel=${logLevel}`,
];

/** The same, logging in with that key only and never asking for a password. */
export const withKeyOptions = (port: number, keyFile: string): string[] => [
  ...opensshOptions(port),
  '-i',
  keyFile,
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'BatchMode=yes',
];

export const shellQuote = (args: string[]): string =>
  args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');

export interface Pane {
  screen(): string;
  keys(...keys: string[]): void;
  /** Sends `text` in one write, as a paste without brackets does. */
  literal(text: string): void;
}

/** A tmux server of the test's own: panes run `ssh` and stay open to show how it ended. */
export class TmuxPanes {
  readonly #socket = `vigil-test-${randomBytes(4).toString('hex')}`;

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8' });
  }

  /** Runs `ssh ARGS` in a new pane; after ssh, the pane shows `SSH-EXIT=status`. */
  ssh(name: string, args: string[], size: { cols: number; rows: number }, env = ''): Pane {
    const command = `${env}ssh ${shellQuote(args)}; echo SSH-EXIT=$?; sleep 600`;
    this.tmux('new-session', '-d', '-s', name, '-x', String(size.cols), '-y', String(size.rows), command);
    return {
      // -J joins wrapped rows, so a long line reads as one.
      screen: () => this.tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-500'),
      // `--` ends tmux's flags, so keys such as a password starting with "-" are sent, not parsed.
      keys: (...keys) => void this.tmux('send-keys', '-t', name, '--', ...keys),
      literal: (text) => void this.tmux('send-keys', '-t', name, '-l', '--', text),
    };
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // no pane was ever opened
    }
  }
}

/** Waits until the pane shows `pattern`; returns the screen then. */
export function waitScreen(
  pane: { screen(): string },
  pattern: string | RegExp,
  timeoutMs = 15_000,
): Promise<string> {
  const shows = (text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
  return waitForValue(
    () => {
      const text = pane.screen();
      return shows(text) ? text : undefined;
    },
    () => `the pane to show ${String(pattern)}:\n${pane.screen()}`,
    timeoutMs,
  );
}
