import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { RecordingReader, RecordingWriter } from '../../src/recording';
import {
  checkPrivateKey,
  generateEd25519KeyPair,
  hostKeyFingerprint,
  keyFingerprint,
  parsePublicKeys,
  verifySignature,
} from '../../src/gateway/ssh/keys';
import { FileTransferWatch, fileTransferProgram } from '../../src/gateway/ssh/fileTransfer';
import { sealInterruptedRecording } from '../../src/gateway/ssh/recovery';
import { parseSshUsername } from '../../src/gateway/ssh/route';
import { runGatewayCli } from '../support/gateway';
import { createDatabaseFor } from '../support/testDatabase';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sshparts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SSH usernames (LOGIN@ACCOUNT@TARGET)', () => {
  it('splits login, account and target', () => {
    expect(parseSshUsername('alice@root@web-01')).toEqual({
      login: 'alice',
      route: { account: 'root', target: 'web-01' },
    });
  });

  it('keeps the login when the route is missing or malformed, so the operator can be told how', () => {
    for (const name of ['alice', 'alice@root', 'alice@@web', 'alice@root@web@x', '@root@web']) {
      const parsed = parseSshUsername(name);
      expect(parsed.route).toBeNull();
      expect(parsed.login).toBe(name.split('@')[0]);
    }
  });
});

describe('file transfer detection', () => {
  it('recognises the remote side of scp, sftp-server and rsync, also behind shells and wrappers', () => {
    for (const command of [
      'scp -t /tmp',
      'scp -v -f /etc/passwd',
      '/usr/bin/scp -pt .',
      "sh -c 'scp -t /tmp'",
      'bash -lc "cd /tmp && exec scp -t ."',
      'env LANG=C /usr/lib/openssh/sftp-server -e',
      'sh -c \'sh -c "true; scp -f x"\'',
      'rsync --server -vlogDtpre.iLsfxCIvu . /tmp',
      'FOO=1 nice -n 5 internal-sftp',
      'echo hi | sudo scp -t /root',
    ]) {
      expect(fileTransferProgram(command), command).not.toBeNull();
    }
    for (const command of [
      'ls -la',
      'echo scp -t',
      'scpfoo -t x',
      "sh -c 'ls'",
      'rsync -a a b',
      'scp a b:c',
    ]) {
      expect(fileTransferProgram(command), command).toBeNull();
    }
  });

  it('recognises SFTP, scp and rsync by their first bytes, and leaves other data alone', () => {
    const init = Buffer.from([0, 0, 0, 5, 1, 0, 0, 0, 3]);
    const inputs: [string, Buffer, boolean][] = [
      ['sftp init', init, true],
      ['scp upload header', Buffer.from('C0644 5 notes.txt\n'), true],
      ['scp times line', Buffer.from('T1700000000 0 1700000000 0\n'), true],
      ['scp download handshake', Buffer.from([0]), true],
      ['rsync greeting', Buffer.from([31, 0, 0, 0]), true],
      ['text', Buffer.from('hello world\n'), false],
      ['a script', Buffer.from('ls -l\nexit\n'), false],
    ];
    for (const [name, data, transfer] of inputs)
      expect(new FileTransferWatch().input(data), name).toBe(transfer);

    const sink = new FileTransferWatch();
    expect(sink.output(Buffer.from([0]))).toBe(false);
    expect(sink.output(Buffer.from('C0600 12 secret\n'))).toBe(true);
    const plain = new FileTransferWatch();
    expect(plain.input(Buffer.from('data'))).toBe(false);
    expect(plain.output(Buffer.from('output'))).toBe(false);
    expect(plain.done).toBe(true);
    // Only the first bytes count: later data is the session's own.
    expect(plain.input(init)).toBe(false);
  });
});

describe('SSH keys', () => {
  it('generates Ed25519 keys that ssh2 always reads back (its generator alone sometimes does not)', () => {
    // ssh2's own generator writes about 3 keys in 1,000 with a malformed public part.
    for (let i = 0; i < 2000; i += 1) {
      const pair = generateEd25519KeyPair('host');
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
    }
  });

  const pair = generateEd25519KeyPair('alice@laptop');

  it('parses public keys with the fingerprint ssh-keygen shows', () => {
    const [key] = parsePublicKeys(`# my keys\n\n${pair.public}\n`);
    expect(key!.algorithm).toBe('ssh-ed25519');
    expect(key!.comment).toBe('alice@laptop');
    const blob = Buffer.from(pair.public.split(' ')[1]!, 'base64');
    expect(key!.blob.equals(blob)).toBe(true);
    expect(key!.fingerprint).toBe(keyFingerprint(blob));
    expect(key!.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses garbage and private keys where a public key belongs', () => {
    expect(() => parsePublicKeys('ssh-ed25519 not-base64!!')).toThrow(/line 1/);
    expect(() => parsePublicKeys(pair.private)).toThrow();
    expect(() => parsePublicKeys('\n# only a comment\n')).toThrow(/no public key/);
  });

  it('checks private keys, and refuses encrypted ones (the gateway has no passphrase)', () => {
    expect(checkPrivateKey(pair.private)).toBe(parsePublicKeys(pair.public)[0]!.fingerprint);
    const locked = ssh2.utils.generateKeyPairSync('ed25519', {
      passphrase: 'secret',
      cipher: 'aes256-ctr',
      rounds: 16,
    });
    expect(() => checkPrivateKey(locked.private)).toThrow(/not a usable private key/);
    expect(() => checkPrivateKey(pair.public)).toThrow(/public key/);
  });

  it('verifies signatures against a stored public key blob', () => {
    const priv = ssh2.utils.parseKey(pair.private);
    if (priv instanceof Error) throw priv;
    const data = Buffer.from('session-id and request');
    const signature = priv.sign(data);
    const blob = parsePublicKeys(pair.public)[0]!.blob;
    expect(verifySignature(blob, data, signature)).toBe(true);
    expect(verifySignature(blob, Buffer.from('something else'), signature)).toBe(false);
  });
});

describe('recovering a recording the gateway never closed', () => {
  it('keeps every intact frame, cuts a torn tail, and hashes the result', async () => {
    const path = join(dir, 'torn.vrec');
    let t = 0;
    const writer = new RecordingWriter({ path, sessionId: '1', now: () => t, flushIntervalMs: 50 });
    writer.output(Buffer.from('first second\r\n'));
    t = 1000;
    writer.input(Buffer.from('ls\r'));
    writer.output(Buffer.from('file-a file-b\r\n'));
    await writer.flush();
    // A crash: the writer never closes, and half a frame reached the disk.
    appendFileSync(path, Buffer.from([0x42, 0x00, 0xff, 0x00, 0x00, 0x00, 1, 2, 3]));
    const torn = statSync(path).size;

    const sealed = await sealInterruptedRecording(path);
    expect(sealed.truncatedBytes).toBe(9);
    expect(sealed.size).toBe(torn - 9);
    expect(statSync(path).size).toBe(sealed.size);
    expect(sealed.durationMs).toBe(1000);
    const reader = await RecordingReader.open(path);
    const events = [];
    for await (const e of reader.records()) events.push(e);
    await reader.close();
    expect(
      events.map((e) => (e.type === 'o' || e.type === 'i' ? `${e.type}:${e.data.toString()}` : e.type)),
    ).toEqual(['o:first second\r\n', 'i:ls\r', 'o:file-a file-b\r\n']);
    await writer.close().catch(() => undefined);
  });

  it('refuses a file that is not a recording', async () => {
    const path = join(dir, 'junk.vrec');
    writeFileSync(path, 'not a recording at all');
    await expect(sealInterruptedRecording(path)).rejects.toThrow(/not a Vigil recording/);
  });
});

describe('CLI: user key add / list, credential add --key-file', () => {
  it('adds an operator key once, lists it, and stores a credential private key', async () => {
    const data = join(dir, 'cli-data');
    // The CLI works on the run's engine: a PostgreSQL database of its own, or SQLite in the folder.
    const database = await createDatabaseFor(data);
    onTestFinished(() => database.drop());
    const pub = join(dir, 'alice.pub');
    const pair = generateEd25519KeyPair('alice@laptop');
    writeFileSync(pub, pair.public);
    const cli = (args: string[], stdin?: string) => runGatewayCli([...args, '--data', data], { stdin });
    expect((await cli(['user', 'add', 'alice', '--name', 'Alice', '--role', 'Operator'])).code).toBe(0);

    const added = await cli(['user', 'key', 'add', 'alice', pub]);
    expect(added.code, added.stderr).toBe(0);
    const fingerprint = parsePublicKeys(pair.public)[0]!.fingerprint;
    expect(added.stdout).toContain(`Added ssh-ed25519 key ${fingerprint} for alice`);
    expect((await cli(['user', 'key', 'add', 'alice', pub])).stdout).toContain('Already had');
    expect((await cli(['user', 'key', 'list', 'alice'])).stdout).toContain(
      `${fingerprint}  ssh-ed25519  alice@laptop`,
    );

    const missing = await cli(['user', 'key', 'add', 'alice', join(dir, 'nope.pub')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    const bad = join(dir, 'bad.pub');
    writeFileSync(bad, 'hello world');
    expect((await cli(['user', 'key', 'add', 'alice', bad])).stderr).toContain('not an SSH public key');
    expect((await cli(['user', 'key', 'add', 'nobody', pub])).stderr).toContain('Unknown user nobody');

    expect(
      (await cli(['target', 'add', 'web', '--protocol', 'ssh', '--host', '127.0.0.1', '--port', '22'])).code,
    ).toBe(0);
    const key = join(dir, 'target-key');
    writeFileSync(key, pair.private);
    const cred = await cli(
      ['credential', 'add', 'web', 'root', '--password-stdin', '--key-file', key],
      'pw\n',
    );
    expect(cred.code, cred.stderr).toBe(0);
    expect(cred.stdout).toContain(`private key ${fingerprint}`);
    writeFileSync(key, pair.public);
    const refused = await cli(
      ['credential', 'add', 'web', 'root', '--password-stdin', '--key-file', key],
      'pw\n',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('public key');
  }, 60_000);
});

describe('target host keys given by an administrator', () => {
  it('reads a fingerprint, a .pub file or an ssh-keyscan line, and refuses several keys or garbage', () => {
    const one = generateEd25519KeyPair('host-a').public;
    const two = generateEd25519KeyPair('host-b').public;
    const fingerprint = parsePublicKeys(one)[0]!.fingerprint;
    expect(hostKeyFingerprint(fingerprint)).toBe(fingerprint);
    expect(hostKeyFingerprint(`${one}\n`)).toBe(fingerprint);
    expect(
      hostKeyFingerprint(`# web-01 SSH-2.0-OpenSSH\n[web-01]:2222 ${one.split(' ').slice(0, 2).join(' ')}\n`),
    ).toBe(fingerprint);
    expect(() => hostKeyFingerprint(`${one}\n${two}\n`)).toThrow(/2 keys found/);
    expect(() => hostKeyFingerprint('SHA256:short')).toThrow();
    expect(() => hostKeyFingerprint('')).toThrow(/no host key/);
  });
});
