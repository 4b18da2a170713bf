import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Client, type ConnectConfig } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';

const skip = sshdSkipReason();

function connectClient(config: ConnectConfig): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client)).once('error', reject);
    client.connect({ readyTimeout: 10_000, ...config });
  });
}

async function exec(config: ConnectConfig, command: string): Promise<{ code: number; stdout: string }> {
  const client = await connectClient(config);
  try {
    return await new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = '';
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.resume();
        stream.once('close', (code: number) => resolve({ code, stdout }));
      });
    });
  } finally {
    client.end();
  }
}

const portAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe.skipIf(skip !== null)(`test sshd: a real OpenSSH server ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const target = (): ConnectConfig => ({ host: sshd.host, port: sshd.port, username: sshd.user });

  it('logs the throwaway user in with its password and runs a command (ssh2)', async () => {
    const result = await exec({ ...target(), password: sshd.password }, 'echo hi; whoami; echo $HOME');
    expect(result).toEqual({ code: 0, stdout: `hi\n${sshd.user}\n${sshd.home}\n` });
  });

  it('logs it in with the generated key (ssh2)', async () => {
    const result = await exec({ ...target(), privateKey: sshd.privateKey }, 'echo hi');
    expect(result).toEqual({ code: 0, stdout: 'hi\n' });
  });

  it('refuses a wrong password', async () => {
    await expect(connectClient({ ...target(), password: `${sshd.password}x` })).rejects.toThrow(
      /authentication methods failed/,
    );
  });

  it('serves an interactive shell with a PTY', async () => {
    const client = await connectClient({ ...target(), password: sshd.password });
    const seen = await new Promise<string>((resolve, reject) => {
      client.shell({ term: 'xterm-256color', cols: 100, rows: 30 }, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('result=42') && out.includes('size=30 100')) resolve(out);
        });
        stream.write('echo result=$((6*7)); echo size=$(stty size)\n');
      });
    });
    client.end();
    expect(seen).toContain('result=42');
  });

  it('works with the OpenSSH ssh client (key auth, batch mode)', () => {
    const result = spawnSync(
      'ssh',
      [
        '-i',
        sshd.privateKeyPath,
        '-p',
        String(sshd.port),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        `${sshd.user}@${sshd.host}`,
        'echo hi',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: 'hi\n',
      stderr: '',
    });
  });

  it('publishes its host key as ssh-keyscan sees it', () => {
    const scan = spawnSync('ssh-keyscan', ['-p', String(sshd.port), '-t', 'ed25519', sshd.host], {
      encoding: 'utf8',
    });
    expect(scan.stdout).toContain(sshd.hostPublicKey);
  });

  it('stop() ends open sessions, removes the user and closes the port', async () => {
    const other = await startSshd();
    const client = await connectClient({
      host: other.host,
      port: other.port,
      username: other.user,
      password: other.password,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.shell((err, stream) => {
      if (!err) stream.write('sleep 600\n');
    });
    await other.stop();
    await closed;
    expect(spawnSync('id', [other.user]).status).not.toBe(0);
    expect(existsSync(other.home)).toBe(false);
    expect(await portAnswers(other.port)).toBe(false);
  });
});
