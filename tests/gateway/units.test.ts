import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { parseAddress } from '../../src/gateway/config';
import { SecretBox } from '../../src/gateway/crypto/secrets';
import { ensureDataDir, loadMasterKey, loadSigningKey, loadTls } from '../../src/gateway/datadir';
import { seededRandom } from '../support/seed';
import { csvCell, IsoFormatter } from '../../src/gateway/services/csv';
import { makeTempDir } from '../support/gateway';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('CSV cells', () => {
  test.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['=a,b', '"\'=a,b"'],
    ['', ''],
    ['日本🙂', '日本🙂'],
  ])('%j → %j', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  test('IsoFormatter equals Date#toISOString in any order', () => {
    const rng = seededRandom(3);
    const f = new IsoFormatter();
    const values = [0, 1, 999, 86_399_999, 86_400_000, Date.parse('2024-02-29T23:59:59.999Z')];
    for (let i = 0; i < 5000; i++) values.push(Math.floor(rng() * 4_102_444_800_000));
    for (let i = 0; i < 2000; i++) values.push(1_700_000_000_000 + i * 7_777);
    for (const v of values) expect(f.format(v)).toBe(new Date(v).toISOString());
    expect(f.format(null)).toBe('');
  });
});

describe('data folder', () => {
  test('TLS certificate for 127.0.0.1/localhost, fingerprint as Node prints it, stable across loads', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const paths = ensureDataDir(dir);
    const tls = await loadTls(paths);
    const cert = new X509Certificate(tls.cert);
    expect(tls.fingerprint).toBe(cert.fingerprint256);
    expect(tls.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkPrivateKey(createPrivateKey(tls.key))).toBe(true);
    expect((await loadTls(paths)).fingerprint).toBe(tls.fingerprint);
    expect(statSync(paths.tlsKey).mode & 0o777).toBe(0o600);
  });

  test('master key: 32 bytes, mode 0600, created once', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const paths = ensureDataDir(dir);
    const key = loadMasterKey(paths);
    expect(key).toHaveLength(32);
    expect(statSync(paths.masterKey).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(paths).equals(key)).toBe(true);
    expect(readFileSync(paths.masterKey).equals(key)).toBe(true);
  });

  test('Ed25519 signing key signs and verifies', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const paths = ensureDataDir(dir);
    const { privateKey, publicKeyPem } = loadSigningKey(paths);
    expect(privateKey.asymmetricKeyType).toBe('ed25519');
    const signature = sign(null, Buffer.from('evidence'), privateKey);
    expect(verify(null, Buffer.from('evidence'), createPublicKey(publicKeyPem), signature)).toBe(true);
    expect(loadSigningKey(paths).publicKeyPem).toBe(publicKeyPem);
  });
});

describe('SecretBox (AES-256-GCM)', () => {
  test('round trip; tampering and a wrong context fail', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const blob = box.seal('pässwörd', 'ctx');
    expect(box.open(blob, 'ctx')).toBe('pässwörd');
    expect(box.seal('pässwörd', 'ctx').equals(blob)).toBe(false);
    expect(() => box.open(blob, 'other')).toThrow();
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => box.open(tampered, 'ctx')).toThrow();
    expect(() => new SecretBox(Buffer.alloc(31)).seal('x', 'y')).toThrow(/32 bytes/);
  });
});

describe('addresses', () => {
  test('HOST:PORT and [v6]:PORT', () => {
    expect(parseAddress('127.0.0.1:8443', '--http')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseAddress('localhost:0', '--http')).toEqual({ host: 'localhost', port: 0 });
    expect(parseAddress('[::1]:2222', '--ssh')).toEqual({ host: '::1', port: 2222 });
    for (const bad of ['8443', '127.0.0.1', '127.0.0.1:99999', 'a b:1', ':80']) {
      expect(() => parseAddress(bad, '--http')).toThrow(/--http must be HOST:PORT/);
    }
  });
});
