import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DataPaths } from '../../src/gateway/datadir';
import { ensureDataDir } from '../../src/gateway/datadir';
import { RecordingWriter, sha256File } from '../../src/recording';
import { verifySealed, type RecordingManifest } from '../../src/recording/manifest';
import { RecordingSeal } from '../../src/gateway/seal/recordingSeal';
import { startGateway } from '../../src/gateway/server';
import { SessionLedger, type SessionFacts } from '../../src/gateway/services/sessionLedger';
import { INTERRUPTED_MESSAGE, recoverInterruptedSessions } from '../../src/gateway/ssh/recovery';
import { finishedSession, makeTempDir, runGatewayCli, withDataDir } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { createDatabaseFor } from '../support/testDatabase';

/**
 * Sealing without an SSH session: a session a crash cut is sealed on recovery (and says so), a
 * sealing failure loses nothing and the next start seals what was left, and the `verify` command
 * tells a sealed recording from an altered one.
 */
let gw: TestGateway;
let operatorId: number;

beforeEach(async () => {
  gw = await createTestGateway();
  operatorId = await gw.addUser('olga', 'Operator');
  mkdirSync(join(gw.dir, 'recordings'), { recursive: true });
});

afterEach(async () => {
  await gw.close();
});

const facts = (): SessionFacts => ({
  userId: operatorId,
  originIp: '10.9.8.7',
  credential: 'root',
  device: 'web-01',
  request: 'shell',
});

/** A real recording the writer never closed (as after a crash); `closed` finishes it instead. */
async function writeRecording(hash: string, options: { closed: boolean }): Promise<string> {
  const path = join(gw.dir, 'recordings', `${hash}.vrec`);
  let t = 0;
  const writer = new RecordingWriter({ path, sessionId: hash, now: () => t, checkpoints: false });
  writer.output(Buffer.from('$ uptime\r\n 10:00 up 3 days\r\n'));
  t = 4_000;
  writer.output(Buffer.from('$ exit\r\n'));
  await writer.flush();
  if (options.closed) await writer.close();
  return `recordings/${hash}.vrec`;
}

const terminatedNote = async (sessionId: number) =>
  (await gw.store.events.list({ sessionId, type: 'Terminated' }, 0, 1)).items[0]?.note;

async function checkSeal(sessionId: number): Promise<RecordingManifest> {
  const stored = await gw.services.seal.stored(sessionId);
  expect(stored, 'a seal in the database').not.toBeNull();
  const session = (await gw.store.sessions.get(sessionId, operatorId))!;
  const file = join(gw.dir, session.recording!.path!);
  const result = verifySealed({
    manifestBytes: Buffer.from(stored!.manifest, 'utf8'),
    signature: Buffer.from(stored!.signature, 'base64'),
    publicKey: gw.services.seal.publicKey().publicKey,
    file: { size: statSync(file).size, sha256: session.recording!.sha256 },
  });
  if (!result.ok) throw new Error(result.message);
  expect(readFileSync(join(gw.dir, 'recordings', `${session.hash}.manifest.json`), 'utf8')).toBe(
    stored!.manifest,
  );
  return result.manifest;
}

describe('crash recovery', () => {
  test('a session a crash cut is sealed on recovery, its manifest saying so', async () => {
    const hash = 'feed0001';
    const path = await writeRecording(hash, { closed: false });
    const id = await gw.services.ledger.open(facts(), hash, Date.parse('2025-08-01T10:00:00Z'), path);

    await recoverInterruptedSessions(gw.services.ledger, { root: gw.dir } as DataPaths, () =>
      Date.parse('2025-08-01T11:00:00Z'),
    );

    const session = (await gw.store.sessions.get(id, operatorId))!;
    expect(session.errorMessage).toBe(INTERRUPTED_MESSAGE);
    const manifest = await checkSeal(id);
    expect(manifest).toMatchObject({
      sessionId: id,
      hash,
      recovered: true,
      operator: 'olga',
      target: 'web-01',
    });
    expect(manifest.sha256).toBe(await sha256File(join(gw.dir, path)));
    expect(await terminatedNote(id)).toContain(`recording SHA-256 ${manifest.sha256}`);

    const cli = await runGatewayCli(['verify', join(gw.dir, path), '--data', gw.dir]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^Verified: .*recovered after a gateway crash/);
    expect(cli.stdout).toContain(gw.services.seal.publicKey().keyId);
  });
});

describe('a sealing failure loses nothing', () => {
  test('the session is finished and logged; the next start seals it', async () => {
    const logged: string[] = [];
    const broken = new RecordingSeal(
      gw.services.store.recordingSeals,
      () => {
        throw new Error('signing key unreadable');
      },
      gw.dir,
      Date.now,
      (message) => logged.push(message),
      INTERRUPTED_MESSAGE,
    );
    const ledger = new SessionLedger(gw.services.store, Date.now, broken);
    const hash = 'feed0002';
    const path = await writeRecording(hash, { closed: true });
    const file = join(gw.dir, path);
    const recording = { path, size: statSync(file).size, sha256: await sha256File(file) };
    const id = await ledger.open(facts(), hash, Date.now() - 5_000, path);

    await ledger.finish(id, facts(), Date.now(), {
      errorMessage: null,
      note: 'The operator closed the session',
      recording,
    });

    expect(await gw.store.sessions.get(id, operatorId)).toMatchObject({ status: 'finished', recording });
    expect(await terminatedNote(id)).toBe(
      `The operator closed the session (recording SHA-256 ${recording.sha256})`,
    );
    expect(logged).toEqual([`Could not seal the recording of session ${id}: signing key unreadable`]);
    expect(await gw.services.seal.stored(id)).toBeNull();

    expect(await gw.services.seal.sealPending()).toEqual([id]);
    expect((await checkSeal(id)).recovered).toBeUndefined();
    expect(await gw.services.seal.sealPending()).toEqual([]);
  });

  test('a gateway start seals what is unsealed, and leaves rows whose file is gone alone', async () => {
    const dataDir = makeTempDir('vigil-seal-start-');
    const database = await createDatabaseFor(dataDir);
    try {
      const paths = ensureDataDir(dataDir);
      const content = Buffer.from('a recording the previous run could not seal');
      writeFileSync(join(paths.recordings, 'feed0003.vrec'), content);
      const unsealed = await withDataDir(dataDir, async (store) => {
        const userId = (await store.users.create({
          login: 'olga',
          name: 'Olga',
          passwordHash: 'x',
          roles: ['Operator'],
          at: 1,
        }))!;
        const insert = (hash: string, size: number) =>
          store.sessions.insert({
            ...finishedSession('olga', Date.parse('2025-08-02T10:00:00Z')),
            userId,
            hash,
            startedAt: Date.parse('2025-08-02T10:00:00Z'),
            recording: { path: `recordings/${hash}.vrec`, size, sha256: 'cd'.repeat(32) },
          });
        const id = await insert('feed0003', content.length);
        await insert('feed0004', 99);
        return id;
      });

      const lines: string[] = [];
      const gateway = await startGateway(
        {
          dataDir,
          databaseUrl: database.url,
          http: { host: '127.0.0.1', port: 0 },
          ssh: { host: '127.0.0.1', port: 0 },
          retentionDays: null,
        },
        { adminPassword: 'admin-password-1', print: (l) => lines.push(l), logLevel: 'silent' },
      );
      try {
        expect(lines).toContain(`Sealed 1 recording(s) left unsealed: ${unsealed}`);
        const manifest = JSON.parse(readFileSync(join(paths.recordings, 'feed0003.manifest.json'), 'utf8'));
        expect(manifest).toMatchObject({
          sessionId: unsealed,
          size: content.length,
          sha256: 'cd'.repeat(32),
        });
        expect(() => statSync(join(paths.recordings, 'feed0004.manifest.json'))).toThrow();
      } finally {
        await gateway.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });
});

describe('the verify command', () => {
  test('verified, then each failure named with exit code 1', async () => {
    const hash = 'feed0005';
    const path = await writeRecording(hash, { closed: true });
    const file = join(gw.dir, path);
    const recording = { path, size: statSync(file).size, sha256: await sha256File(file) };
    const id = await gw.services.ledger.open(facts(), hash, Date.now() - 5_000, path);
    await gw.services.ledger.finish(id, facts(), Date.now(), {
      errorMessage: null,
      note: 'Closed',
      recording,
    });
    const verify = (...args: string[]) => runGatewayCli(['verify', ...args, '--data', gw.dir]);

    const ok = await verify(file);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      new RegExp(`^Verified: the recording of session ${id} \\(olga as root on web-01`),
    );

    // A copy elsewhere, with an altered byte, a missing byte, another key, an edited manifest.
    const copyDir = join(gw.dir, 'copy');
    mkdirSync(copyDir);
    const copy = join(copyDir, `${hash}.vrec`);
    const manifestFile = join(gw.dir, 'recordings', `${hash}.manifest.json`);
    const signatureFile = join(gw.dir, 'recordings', `${hash}.manifest.sig`);
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[100] = flipped[100]! ^ 0x01;
    writeFileSync(copy, flipped);
    const altered = await verify(copy, '--manifest', manifestFile, '--signature', signatureFile);
    expect(altered.code).toBe(1);
    expect(altered.stderr).toMatch(/Not verified \(sha256\): .*altered/);

    writeFileSync(copy, original.subarray(0, original.length - 1));
    const short = await verify(copy, '--manifest', manifestFile, '--signature', signatureFile);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/Not verified \(size\)/);

    const otherKey = join(copyDir, 'other.pem');
    writeFileSync(
      otherKey,
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const unknown = await verify(file, '--public-key', otherKey);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Not verified \(unknown key\)/);

    const edited = join(copyDir, 'edited.manifest.json');
    writeFileSync(
      edited,
      readFileSync(manifestFile, 'utf8').replace('"operator":"olga"', '"operator":"nobody"'),
    );
    const forged = await verify(file, '--manifest', edited);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/Not verified \(signature\)/);

    // The gateway's public key as the API gives it verifies the original too.
    const publicPem = join(copyDir, 'gateway.pem');
    writeFileSync(
      publicPem,
      createPublicKey(gw.services.seal.publicKey().publicKey).export({ type: 'spki', format: 'pem' }),
    );
    const withKey = await verify(file, '--public-key', publicPem);
    expect(withKey.code, withKey.stderr).toBe(0);

    const missing = await verify(join(copyDir, 'nothing.vrec'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read the manifest/);
  });
});
