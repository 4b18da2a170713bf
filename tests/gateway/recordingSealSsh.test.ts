import { createHash, createPublicKey, verify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { SealedRecording } from '../../src/shared/api';
import { canonicalJson } from '../../src/recording/manifest';
import { runGatewayCli } from '../support/gateway';
import { missingProgram } from '../support/programs';
import { sshdSkipReason } from '../support/sshd';
import { useOperatorTestbed } from '../support/sshOperatorSuite';
import { waitFor } from '../support/wait';
import { openShell, TARGET_NAME } from './sshTestbed';

/**
 * A REAL SSH session through the gateway's proxy into a real sshd: when it ends its recording is
 * sealed, and the seal checks out with node:crypto, with `vigil-gateway verify` and with openssl,
 * while an altered copy or another key does not.
 */
const unavailable = sshdSkipReason();
const noOpenssl = missingProgram('openssl', 'base64', 'sha256sum', 'jq');

describe.skipIf(unavailable !== null)(
  `Sealed recording of a real SSH session${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const ssh = useOperatorTestbed();
    let sessionId: number;
    let sealed: SealedRecording;
    let file: string;

    beforeAll(async () => {
      const client = await ssh.connect();
      const operator = await openShell(client);
      operator.send('echo SEALED-$((6*7))\r');
      await operator.waitFor('SEALED-42');
      const olga = (await ssh.tb.store.users.findByLogin('olga'))!.id;
      sessionId = ssh.tb.gateway.hub.list().find((s) => s.operatorUserId === olga)!.sessionId;
      operator.send('exit\r');
      await operator.closed;
      client.end();
      const boss = (await ssh.tb.store.users.findByLogin('boss'))!.id;
      await waitFor(
        async () => (await ssh.tb.store.sessions.get(sessionId, boss))?.status === 'finished',
        `session ${sessionId} finished`,
      );
      // The ledger seals it right after it finished the row (the manifest route would seal late
      // ones, and nothing has asked it yet).
      await waitFor(
        async () => (await ssh.tb.count('recording_seals', 'session_id = ?', [sessionId])) === 1,
        `the recording of session ${sessionId} sealed`,
      );
      const res = await api(`/api/v1/sessions/${sessionId}/recording/manifest`);
      expect(res.statusCode, res.body).toBe(200);
      sealed = res.json() as SealedRecording;
      file = join(ssh.tb.dataDir, 'recordings', `${sealed.manifest.hash}.vrec`);
    }, 60_000);

    const api = (url: string) =>
      ssh.tb.gateway.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ssh.token}` } });

    test('the manifest names the session and the file as they are', async () => {
      const session = (await ssh.tb.store.sessions.get(
        sessionId,
        (await ssh.tb.store.users.findByLogin('boss'))!.id,
      ))!;
      const bytes = readFileSync(file);
      expect(sealed.manifest).toEqual({
        format: 'vigil-recording',
        version: 1,
        sessionId,
        hash: session.hash,
        operator: 'olga',
        account: ssh.sshd.user,
        target: TARGET_NAME,
        protocol: 'ssh',
        startedAt: new Date(session.startedAt).toISOString(),
        endedAt: new Date(session.endedAt!).toISOString(),
        durationMs: session.durationMs,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        gatewayKeyId: sealed.keyId,
        signedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(session.recording).toMatchObject({ size: bytes.length, sha256: sealed.manifest.sha256 });
      const terminated = (await ssh.tb.store.events.list({ sessionId, type: 'Terminated' }, 0, 1)).items[0]!;
      expect(terminated.note).toContain(`recording SHA-256 ${sealed.manifest.sha256}`);
    });

    test('the signature verifies with node:crypto and the key of the data folder', () => {
      const key = createPublicKey(readFileSync(join(ssh.tb.dataDir, 'signing-key.pem')));
      expect(sealed.publicKey).toBe(key.export({ type: 'spki', format: 'pem' }));
      const signature = Buffer.from(sealed.signature, 'base64');
      expect(verify(null, Buffer.from(canonicalJson(sealed.manifest)), key, signature)).toBe(true);
      const onDisk = readFileSync(
        join(ssh.tb.dataDir, 'recordings', `${sealed.manifest.hash}.manifest.json`),
      );
      expect(verify(null, onDisk, key, signature)).toBe(true);
      const other = Buffer.from(
        canonicalJson({ ...sealed.manifest, durationMs: sealed.manifest.durationMs + 1 }),
      );
      expect(verify(null, other, key, signature)).toBe(false);
    });

    test('vigil-gateway verify: Verified; a flipped byte or another key fails', async () => {
      const ok = await runGatewayCli(['verify', file, '--data', ssh.tb.dataDir]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain(`Verified: the recording of session ${sessionId}`);
      expect(ok.stdout).toContain(`by key ${sealed.keyId}`);

      // A downloaded copy, saved with the manifest and signature the API gave.
      const dir = join(ssh.tb.dataDir, 'download');
      const copy = join(dir, `vigil-session-${sessionId}.vrec`);
      mkdirSync(dir);
      copyFileSync(file, copy);
      writeFileSync(join(dir, `vigil-session-${sessionId}.manifest.json`), canonicalJson(sealed.manifest));
      writeFileSync(join(dir, `vigil-session-${sessionId}.manifest.sig`), sealed.signature);
      const keyFile = join(dir, 'gateway.pem');
      writeFileSync(keyFile, sealed.publicKey);
      const copyOk = await runGatewayCli(['verify', copy, '--public-key', keyFile]);
      expect(copyOk.code, copyOk.stderr).toBe(0);

      const bytes = readFileSync(copy);
      bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0x80;
      writeFileSync(copy, bytes);
      const altered = await runGatewayCli(['verify', copy, '--public-key', keyFile]);
      expect(altered.code).toBe(1);
      expect(altered.stderr).toMatch(/Not verified \(sha256\).*altered/);

      const otherKey = join(dir, 'other.pem');
      expect(spawnSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', otherKey]).status).toBe(0);
      const unknown = await runGatewayCli(['verify', file, '--public-key', otherKey]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/Not verified \(unknown key\)/);
    });

    test.skipIf(noOpenssl !== null)(
      `openssl and sha256sum check the same seal (the README commands)${noOpenssl ? ` (skipped: ${noOpenssl})` : ''}`,
      () => {
        const recordings = join(ssh.tb.dataDir, 'recordings');
        const hash = sealed.manifest.hash;
        const run = (command: string) =>
          spawnSync('sh', ['-c', command], { cwd: recordings, encoding: 'utf8' });
        const pub = run('openssl pkey -in ../signing-key.pem -pubout -out gateway.pem');
        expect(pub.status, pub.stderr).toBe(0);
        const id = run('openssl pkey -pubin -in gateway.pem -outform DER | sha256sum');
        expect(id.stdout.split(' ')[0]).toBe(sealed.keyId);
        expect(run(`base64 -d ${hash}.manifest.sig > sig.bin`).status).toBe(0);
        const verified = run(
          `openssl pkeyutl -verify -pubin -inkey gateway.pem -rawin -in ${hash}.manifest.json -sigfile sig.bin`,
        );
        expect(verified.status, verified.stderr).toBe(0);
        expect(verified.stdout).toMatch(/Signature Verified Successfully/);
        expect(run(`sha256sum ${hash}.vrec`).stdout.split(' ')[0]).toBe(sealed.manifest.sha256);

        // A manifest taken from the API, made canonical with jq, is the same signed bytes.
        writeFileSync(join(recordings, 'api.json'), JSON.stringify(sealed, null, 2));
        const canonical = run('jq -jcS .manifest api.json');
        expect(canonical.stdout).toBe(readFileSync(join(recordings, `${hash}.manifest.json`), 'utf8'));

        writeFileSync(
          join(recordings, 'edited.json'),
          readFileSync(join(recordings, `${hash}.manifest.json`), 'utf8').replace(
            `"size":${sealed.manifest.size}`,
            `"size":${sealed.manifest.size + 1}`,
          ),
        );
        const edited = run(
          'openssl pkeyutl -verify -pubin -inkey gateway.pem -rawin -in edited.json -sigfile sig.bin',
        );
        expect(edited.status).not.toBe(0);
        expect(edited.stdout).toMatch(/Signature Verification Failure/);
      },
    );
  },
);
