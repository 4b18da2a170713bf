import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditProof } from '../../src/shared/auditProof';
import type { EvidenceExport, EvidenceStatement } from '../../src/shared/evidence';
import type { Session, SessionLogs } from '../../src/shared/api';
import { RecordingWriter, sha256File } from '../../src/recording';
import type { SessionFacts } from '../../src/gateway/services/sessionLedger';
import {
  chainEventHash,
  hashOf,
  openBundle,
  signStatement,
  statementText,
  verifyEvidenceBundle,
  writeEvidenceBundle,
  type BundleVerification,
} from '../../src/evidence';
import { bundleIndexText } from '../../src/evidence/bundleIndex';
import { dataPaths, loadSigningKey } from '../../src/gateway/datadir';
import { makeTempDir, runGatewayCli } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

/**
 * Evidence bundles end to end: the gateway's signed statement, a bundle written from it with the
 * real recordings, verified offline (folder and zip, by the module, the CLI and OpenSSL), and every
 * kind of file changed, removed or added named by the verifier.
 */
let gw: TestGateway;
let auditor: string;
let operatorId: number;
let ids: number[];
let work: string;
/** The pristine bundle of both sessions, copied by each tamper test. */
let pristine: string;

const facts = (): SessionFacts => ({
  userId: operatorId,
  originIp: '10.9.8.7',
  credential: 'root',
  device: 'web-01',
  request: 'shell',
});

/** A finished, sealed session with a real recording. */
async function recordedSession(hash: string, output: string): Promise<number> {
  const path = `recordings/${hash}.vrec`;
  const file = join(gw.dir, path);
  let t = 0;
  const writer = new RecordingWriter({ path: file, sessionId: hash, now: () => t, checkpoints: false });
  writer.output(Buffer.from(output));
  t = 3_000;
  writer.output(Buffer.from('$ exit\r\n'));
  await writer.close();
  const recording = { path, size: statSync(file).size, sha256: await sha256File(file) };
  const id = await gw.services.ledger.open(facts(), hash, Date.now() - 5_000, path);
  await gw.services.ledger.finish(id, facts(), Date.now(), { errorMessage: null, note: 'Closed', recording });
  return id;
}

async function requestEvidence(sessionIds: number[], token = auditor) {
  return gw.request({ method: 'POST', url: '/api/v1/evidence', token, payload: { sessionIds } });
}

/** What the desktop does: the statement, then each recording downloaded, then the writer. */
async function exportBundle(sessionIds: number[], out: string, zip = false) {
  const res = await requestEvidence(sessionIds);
  expect(res.statusCode, res.body).toBe(200);
  const evidence = res.json() as EvidenceExport;
  const downloads = join(work, `downloads-${Math.random().toString(36).slice(2)}`);
  mkdirSync(downloads);
  const recordings = [];
  for (const r of evidence.recordings) {
    const file = await gw.request({
      method: 'GET',
      url: `/api/v1/sessions/${r.sessionId}/recording`,
      token: auditor,
    });
    expect(file.statusCode).toBe(200);
    const path = join(downloads, `${r.sessionId}.vrec`);
    writeFileSync(path, file.rawPayload);
    recordings.push({ sessionId: r.sessionId, file: path });
  }
  return { evidence, written: await writeEvidenceBundle({ evidence, recordings, out, zip }) };
}

const fileOf = (v: BundleVerification, path: string) => v.files.find((f) => f.path === path);

beforeAll(async () => {
  gw = await createTestGateway();
  operatorId = await gw.addUser('olga', 'Operator');
  await gw.addUser('ada', 'PAM Auditor');
  auditor = await gw.login('ada');
  mkdirSync(join(gw.dir, 'recordings'), { recursive: true });
  ids = [
    await recordedSession('evid0001', '$ uptime\r\n 10:00 up 3 days\r\n'),
    await recordedSession('evid0002', '$ cat /etc/shadow\r\nroot:*:19000:0:99999:7:::\r\n'),
  ];
  work = makeTempDir('vigil-evidence-');
  pristine = join(work, 'case-42');
  await exportBundle(ids, pristine);
});

afterAll(async () => {
  await gw.close();
  rmSync(work, { recursive: true, force: true });
});

describe('exporting', () => {
  test('a bundle of two sessions verifies, names its key, and the export is in its own audit proof', async () => {
    const v = await verifyEvidenceBundle(pristine);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.keyId).toBe(gw.services.seal.publicKey().keyId);
    expect(v.checks.map((c) => [c.name, c.ok])).toEqual([
      ['statement', true],
      ['files', true],
      ['recordings', true],
      ['audit trail', true],
      ['index', true],
    ]);
    const paths = v.files.map((f) => f.path);
    for (const id of ids)
      for (const name of [
        'session.json',
        'logs.json',
        'recording.vrec',
        'recording.manifest.json',
        'recording.manifest.sig',
      ])
        expect(paths).toContain(`sessions/${id}/${name}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'statement.json',
        'statement.sig',
        'public-key.pem',
        'bundle.json',
        'report.html',
        'audit/proof.json',
      ]),
    );
    expect(v.files.every((f) => f.status === 'ok')).toBe(true);
    expect(v.sessions.map((s) => [s.id, s.operator, s.target])).toEqual(
      ids.map((id) => [id, 'olga', 'web-01']),
    );

    // The recordings are the gateway's files, byte for byte.
    for (const id of ids) {
      const session = (await gw.store.sessions.get(id, operatorId))!;
      expect(readFileSync(join(pristine, 'sessions', String(id), 'recording.vrec'))).toEqual(
        readFileSync(join(gw.dir, session.recording!.path!)),
      );
    }
    // Each session's export is logged, and the bundle's logs and proof already show it.
    const proof = JSON.parse(readFileSync(join(pristine, 'audit/proof.json'), 'utf8')) as AuditProof;
    for (const id of ids) {
      const exported = (await gw.store.events.list({ sessionId: id, type: 'Exported Details' }, 0, 10)).items;
      expect(exported).toHaveLength(1);
      expect(exported[0]!.note).toBe(`Exported session ${id} as evidence (sessions ${ids.join(', ')})`);
      const logs = JSON.parse(
        readFileSync(join(pristine, `sessions/${id}/logs.json`), 'utf8'),
      ) as SessionLogs;
      expect(logs.events.map((e) => e.type)).toContain('Exported Details');
      expect(proof.segments.flatMap((s) => s.events).some((e) => e.id === exported[0]!.id)).toBe(true);
    }
    for (const id of ids) {
      const info = JSON.parse(readFileSync(join(pristine, `sessions/${id}/session.json`), 'utf8')) as Session;
      expect(info).toMatchObject({ id, status: 'finished', device: 'web-01', user: { login: 'olga' } });
    }
    const statement = JSON.parse(readFileSync(join(pristine, 'statement.json'), 'utf8')) as EvidenceStatement;
    expect(statement.exportedBy.login).toBe('ada');
    expect(statement.sessionIds).toEqual(ids);
  });

  test('report.html is one page without scripts that says what was checked', () => {
    const html = readFileSync(join(pristine, 'report.html'), 'utf8');
    expect(html).toContain('data-verdict="verified"');
    expect(html).not.toMatch(/<script|src=|href=/i);
    expect(html).toContain(gw.services.seal.publicKey().keyId);
    expect(html).toContain('openssl pkeyutl -verify');
    for (const id of ids) expect(html).toContain(`sessions/${id}/recording.vrec`);
  });

  test('a zip bundle verifies, and a file changed inside it is named', async () => {
    const zip = join(work, 'case-42.zip');
    const { written } = await exportBundle(ids, zip, true);
    expect(written.verification.problems).toEqual([]);
    const v = await verifyEvidenceBundle(zip);
    expect(v.ok).toBe(true);
    expect(v.kind).toBe('zip');
    const entries = unzipSync(readFileSync(zip));
    expect(Object.keys(entries)).toContain('case-42/bundle.json');
    // Any unzip tool opens it, and the folder it gives verifies as well.
    const unzipped = join(work, 'unzipped');
    const unzip = spawnSync('unzip', ['-q', zip, '-d', unzipped], { encoding: 'utf8' });
    expect(unzip.status, unzip.stderr).toBe(0);
    expect((await verifyEvidenceBundle(join(unzipped, 'case-42'))).problems).toEqual([]);
    // Zipped again from inside the folder by another tool (no top folder, directory entries).
    const flat = join(work, 'flat.zip');
    const rezip = spawnSync('zip', ['-qr', flat, '.'], { cwd: join(unzipped, 'case-42'), encoding: 'utf8' });
    expect(rezip.status, rezip.stderr).toBe(0);
    expect((await verifyEvidenceBundle(flat)).problems).toEqual([]);

    const logs = `case-42/sessions/${ids[1]}/logs.json`;
    entries[logs] = strToU8(
      Buffer.from(entries[logs]!).toString('utf8').replace('"Exported Details"', '"Exported Detailz"'),
    );
    const tampered = join(work, 'tampered.zip');
    writeFileSync(tampered, zipSync(entries));
    const bad = await verifyEvidenceBundle(tampered);
    expect(bad.ok).toBe(false);
    expect(fileOf(bad, `sessions/${ids[1]}/logs.json`)?.status).toBe('changed');
  });

  test('a purged recording: the bundle holds its signed manifest, and says so', async () => {
    const path = 'recordings/evid0003.vrec';
    const file = join(gw.dir, path);
    const writer = new RecordingWriter({
      path: file,
      sessionId: 'evid0003',
      now: () => 0,
      checkpoints: false,
    });
    writer.output(Buffer.from('$ ls\r\n'));
    await writer.close();
    const recording = { path, size: statSync(file).size, sha256: await sha256File(file) };
    const ended = Date.now() - 3 * 86_400_000;
    const id = await gw.services.ledger.open(facts(), 'evid0003', ended - 60_000, path);
    await gw.services.ledger.finish(id, facts(), ended, { errorMessage: null, note: 'Closed', recording });
    expect((await gw.services.retention.purge({ days: 1, by: 'test' })).purged.map((p) => p.id)).toEqual([
      id,
    ]);

    const { evidence, written } = await exportBundle([id], join(work, 'purged'));
    expect(evidence.recordings).toEqual([]);
    expect(written.verification.problems).toEqual([]);
    expect(written.verification.ok).toBe(true);
    const statement = JSON.parse(evidence.statement) as EvidenceStatement;
    expect(statement.recordings).toEqual([
      expect.objectContaining({ sessionId: id, sha256: recording.sha256, purgedAt: expect.any(String) }),
    ]);
    const paths = written.verification.files.map((f) => f.path);
    expect(paths).toContain(`sessions/${id}/recording.manifest.json`);
    expect(paths).not.toContain(`sessions/${id}/recording.vrec`);
    expect(readFileSync(join(work, 'purged', 'report.html'), 'utf8')).toContain('purged by retention');
  });

  test('a live session is refused with 409', async () => {
    const live = await gw.services.ledger.open(facts(), 'evid0004', Date.now(), 'recordings/evid0004.vrec');
    expect((await requestEvidence([ids[0]!, live])).statusCode).toBe(409);
  });

  test('refusals: no audit role 403, unknown session 404 (nothing logged), bad body 400', async () => {
    const operator = await gw.login('olga');
    expect((await requestEvidence(ids, operator)).statusCode).toBe(403);
    const before = await gw.count('events');
    const unknown = await requestEvidence([ids[0]!, 999_999]);
    expect(unknown.statusCode).toBe(404);
    expect(await gw.count('events')).toBe(before);
    expect((await requestEvidence([])).statusCode).toBe(400);
    const extra = await gw.request({
      method: 'POST',
      url: '/api/v1/evidence',
      token: auditor,
      payload: { sessionIds: [ids[0]], more: 1 },
    });
    expect(extra.statusCode).toBe(400);
    expect(
      (await gw.request({ method: 'POST', url: '/api/v1/evidence', payload: { sessionIds: ids } }))
        .statusCode,
    ).toBe(401);
  });
});

describe('who may export', () => {
  test('Logs and Recording on every session: without Recording 403, unless the session lists the caller as auditor', async () => {
    await gw.addUser('root', 'System Administrator');
    const admin = await gw.login('root');
    const ivyId = await gw.addUser('ivy', 'PAM Auditor');
    const ivy = await gw.login('ivy');
    expect(await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Recording')).toBe(true);
    try {
      expect((await requestEvidence([ids[0]!], ivy)).statusCode).toBe(403);
      const listed = await gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${ids[0]}/auditors`,
        token: admin,
        payload: { userIds: [ivyId] },
      });
      expect(listed.statusCode, listed.body).toBe(200);
      expect((await requestEvidence([ids[0]!], ivy)).statusCode).toBe(200);
      expect((await requestEvidence([ids[0]!, ids[1]!], ivy)).statusCode).toBe(403);
    } finally {
      await gw.store.users.grant('PAM Auditor', 'PAM.SessionManagement.Recording');
    }
  });
});

/** Changes one byte of a file, keeping it text: a digit or letter becomes another. */
function changeOneByte(file: string, at?: number): void {
  const bytes = readFileSync(file);
  const from = at ?? Math.floor(bytes.length / 2);
  let i = from;
  while (!/[0-9A-Za-z]/.test(String.fromCharCode(bytes[i]!))) {
    i = (i + 1) % bytes.length;
    if (i === from) throw new Error(`${file} holds no letter or digit`);
  }
  bytes[i] =
    bytes[i] === 0x31
      ? 0x32
      : bytes[i] === 0x41
        ? 0x42
        : /[0-9]/.test(String.fromCharCode(bytes[i]!))
          ? 0x31
          : 0x41;
  writeFileSync(file, bytes);
}

let copies = 0;
function copyOfBundle(): string {
  const dir = join(work, `copy-${++copies}`);
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

describe('tampering is detected and the file named', () => {
  const kinds: [string, (id: number) => string][] = [
    ['recording', (id) => `sessions/${id}/recording.vrec`],
    ['recording manifest', (id) => `sessions/${id}/recording.manifest.json`],
    ['manifest signature', (id) => `sessions/${id}/recording.manifest.sig`],
    ['session info', (id) => `sessions/${id}/session.json`],
    ['session logs', (id) => `sessions/${id}/logs.json`],
    ['audit proof', () => 'audit/proof.json'],
    ['statement', () => 'statement.json'],
    ['statement signature', () => 'statement.sig'],
    ['public key', () => 'public-key.pem'],
    ['report', () => 'report.html'],
  ];
  test.each(kinds)('one byte changed in the %s', async (_kind, pathOf) => {
    const dir = copyOfBundle();
    const path = pathOf(ids[1]!);
    changeOneByte(join(dir, path));
    const v = await verifyEvidenceBundle(dir);
    expect(v.ok).toBe(false);
    expect(fileOf(v, path)?.status, JSON.stringify(v.problems)).toBe('changed');
    expect(v.problems.some((p) => p.startsWith(`${path}: `))).toBe(true);
    // Nothing else is blamed when the index still tells what was written.
    expect(v.files.filter((f) => f.status !== 'ok').map((f) => f.path)).toEqual([path]);
  });

  test('one byte changed in bundle.json: its date, or its hash of a file the statement vouches for', async () => {
    const dated = copyOfBundle();
    const index = readFileSync(join(dated, 'bundle.json'), 'utf8');
    changeOneByte(join(dated, 'bundle.json'), index.indexOf('"createdAt"') + 16);
    const v = await verifyEvidenceBundle(dated);
    expect(v.ok).toBe(false);
    expect(v.files.filter((f) => f.status !== 'ok').map((f) => f.path)).toEqual(['bundle.json']);

    const hashed = copyOfBundle();
    const entry = index.indexOf(`"path": "sessions/${ids[0]}/logs.json"`);
    changeOneByte(join(hashed, 'bundle.json'), index.indexOf('"sha256"', entry) + 12);
    const w = await verifyEvidenceBundle(hashed);
    expect(w.files.filter((f) => f.status !== 'ok').map((f) => f.path)).toEqual(['bundle.json']);
    expect(fileOf(w, 'bundle.json')!.reasons.join()).toContain(`sessions/${ids[0]}/logs.json`);
  });

  test('a deleted file is named missing, an added one added (listed in bundle.json or not)', async () => {
    const dir = copyOfBundle();
    unlinkSync(join(dir, `sessions/${ids[0]}/logs.json`));
    unlinkSync(join(dir, `sessions/${ids[1]}/recording.vrec`));
    writeFileSync(join(dir, 'sessions', 'notes.txt'), 'planted');
    const v = await verifyEvidenceBundle(dir);
    expect(v.ok).toBe(false);
    expect(v.files.filter((f) => f.status !== 'ok').map((f) => [f.path, f.status])).toEqual([
      [`sessions/${ids[0]}/logs.json`, 'missing'],
      [`sessions/${ids[1]}/recording.vrec`, 'missing'],
      ['sessions/notes.txt', 'added'],
    ]);

    // Listing the planted file in the index does not make it part of the evidence.
    const listed = copyOfBundle();
    writeFileSync(join(listed, 'extra.vrec'), 'planted');
    const index = JSON.parse(readFileSync(join(listed, 'bundle.json'), 'utf8')) as { files: unknown[] };
    index.files.push({ path: 'extra.vrec', sha256: await sha256File(join(listed, 'extra.vrec')), size: 7 });
    writeFileSync(join(listed, 'bundle.json'), JSON.stringify(index, null, 2));
    const w = await verifyEvidenceBundle(listed);
    expect(fileOf(w, 'extra.vrec')?.status).toBe('added');
    expect(w.ok).toBe(false);
  });
});

/**
 * What only the gateway's key could do: rewrite files and sign a new statement over them. The
 * statement then vouches for the files, so only the checks behind it can tell.
 */
async function resigned(mutate: (dir: string) => void): Promise<BundleVerification> {
  const dir = copyOfBundle();
  mutate(dir);
  const statement = JSON.parse(readFileSync(join(dir, 'statement.json'), 'utf8')) as EvidenceStatement;
  statement.files = statement.files.map((f) => ({
    path: f.path,
    ...hashOf(readFileSync(join(dir, f.path))),
  }));
  const text = statementText(statement);
  writeFileSync(join(dir, 'statement.json'), text);
  const key = loadSigningKey(dataPaths(gw.dir)).privateKey;
  writeFileSync(join(dir, 'statement.sig'), `${signStatement(text, key)}\n`);
  unlinkSync(join(dir, 'bundle.json'));
  const files = [];
  for (const path of openBundle(dir).paths()) files.push({ path, ...hashOf(readFileSync(join(dir, path))) });
  writeFileSync(join(dir, 'bundle.json'), bundleIndexText({ statement, files }));
  return verifyEvidenceBundle(dir);
}

describe('the checks behind the signed statement', () => {
  test('an audit event edited in the proof, its chain rehashed: it no longer ends on the signed checkpoint', async () => {
    const v = await resigned((dir) => {
      const file = join(dir, 'audit/proof.json');
      const proof = JSON.parse(readFileSync(file, 'utf8')) as AuditProof;
      const segment = proof.segments.find((s) => s.events.some((e) => e.sessionId === ids[0]))!;
      const at = segment.events.findIndex((e) => e.sessionId === ids[0]);
      segment.events[at]!.note = 'Nothing to see here';
      for (let i = at; i < segment.events.length; i++) {
        const event = segment.events[i]!;
        if (i > at) event.prevHash = segment.events[i - 1]!.hash;
        event.hash = chainEventHash(event);
      }
      writeFileSync(file, JSON.stringify(proof, null, 2));
    });
    expect(v.ok).toBe(false);
    expect(v.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['audit trail']);
    expect(v.files.filter((f) => f.status !== 'ok').map((f) => f.path)).toEqual(['audit/proof.json']);
    expect(fileOf(v, 'audit/proof.json')!.reasons.join()).toMatch(/its checkpoint #\d+ signs event/);
  });

  test('an event edited in the logs: it is not among the proven events', async () => {
    const path = `sessions/${ids[1]}/logs.json`;
    const v = await resigned((dir) => {
      const logs = JSON.parse(readFileSync(join(dir, path), 'utf8')) as SessionLogs;
      logs.events[0]!.note = 'Nothing to see here';
      writeFileSync(join(dir, path), JSON.stringify(logs, null, 2));
    });
    expect(v.ok).toBe(false);
    expect(v.files.filter((f) => f.status !== 'ok').map((f) => [f.path, f.reasons])).toEqual([
      [path, ['one of its events is not in the audit-trail proof']],
    ]);
  });

  test('a recording and its manifest replaced together: the manifest signature fails', async () => {
    const v = await resigned((dir) => {
      const manifestPath = join(dir, `sessions/${ids[0]}/recording.manifest.json`);
      const recordingPath = join(dir, `sessions/${ids[0]}/recording.vrec`);
      const forged = Buffer.concat([readFileSync(recordingPath), Buffer.from('x')]);
      writeFileSync(recordingPath, forged);
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { sha256: string; size: number };
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, ...hashOf(forged) }));
    });
    expect(v.ok).toBe(false);
    expect(fileOf(v, `sessions/${ids[0]}/recording.manifest.json`)?.status).toBe('changed');
  });
});

describe('checking without Vigil, and with its command line', () => {
  test('OpenSSL verifies the statement signature and computes the key id; sha256sum checks the files', () => {
    const dir = copyOfBundle();
    const run = (script: string) => spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    const verify = run(
      'base64 -d statement.sig > statement.sig.bin && openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in statement.json -sigfile statement.sig.bin',
    );
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('Signature Verified Successfully');
    const keyId = execFileSync(
      'bash',
      ['-c', 'openssl pkey -pubin -in public-key.pem -outform DER | sha256sum'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(keyId.split(' ')[0]).toBe(gw.services.seal.publicKey().keyId);
    // The command lines of docs/evidence.md, as written there.
    const sums = run(
      `jq -r '(.files + .recordings)[] | select(.purgedAt == null) | "\\(.sha256)  \\(.path)"' statement.json | sha256sum -c`,
    );
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    expect(sums.stdout.match(/: OK$/gm)).toHaveLength(ids.length * 5 + 1);
    const manifest = run(
      `base64 -d sessions/${ids[0]}/recording.manifest.sig > manifest.sig.bin && openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in sessions/${ids[0]}/recording.manifest.json -sigfile manifest.sig.bin`,
    );
    expect(manifest.stdout).toContain('Signature Verified Successfully');
    changeOneByte(join(dir, `sessions/${ids[1]}/logs.json`));
    expect(run(`jq -r '.files[] | "\\(.sha256)  \\(.path)"' statement.json | sha256sum -c`).stdout).toContain(
      `sessions/${ids[1]}/logs.json: FAILED`,
    );

    changeOneByte(join(dir, 'statement.json'));
    const altered = run(
      'openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in statement.json -sigfile statement.sig.bin',
    );
    expect(altered.status).not.toBe(0);
    expect(altered.stdout).toContain('Signature Verification Failure');
  });

  test('vigil-gateway verify: exit 0 on the bundle, 1 naming the changed file, --json', async () => {
    const ok = await runGatewayCli(['verify', pristine]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Verified: evidence bundle/);
    expect(ok.stdout).toContain(gw.services.seal.publicKey().keyId);

    const dir = copyOfBundle();
    changeOneByte(join(dir, `sessions/${ids[0]}/recording.vrec`), 200);
    const bad = await runGatewayCli(['verify', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^NOT VERIFIED/);
    expect(bad.stderr).toContain(`CHANGED sessions/${ids[0]}/recording.vrec`);

    const json = await runGatewayCli(['verify', dir, '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as BundleVerification;
    expect(parsed.ok).toBe(false);
    expect(parsed.files.find((f) => f.status !== 'ok')?.path).toBe(`sessions/${ids[0]}/recording.vrec`);
  });
});
