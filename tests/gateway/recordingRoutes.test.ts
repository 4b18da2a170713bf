import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GatewaySigningKey, SealedRecording } from '../../src/shared/api';
import { canonicalJson } from '../../src/recording/manifest';
import { finishedSession, liveSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

/**
 * Sealed recordings over HTTP: the signing key, a session's manifest, the file with byte ranges
 * (RFC 9110) and resumable downloads, and reported plays. Recordings are real files in the test
 * gateway's data folder; only a download from byte 0 is a "Video Download" event.
 */
let gw: TestGateway;
let admin: string;
let adminId: number;
let operatorId: number;
const base = Date.parse('2025-07-01T08:00:00Z');
const SIZE = 3 * 1024 * 1024 + 123;
const bytes = randomBytes(SIZE);
const sha256 = createHash('sha256').update(bytes).digest('hex');
/** R: finished with a sealed recording; N: finished without one; L: live; X: its file is gone. */
let ids: { R: number; N: number; L: number; X: number };

function addRecording(hash: string, content: Buffer): { path: string; size: number; sha256: string } {
  mkdirSync(join(gw.dir, 'recordings'), { recursive: true });
  const path = `recordings/${hash}.vrec`;
  writeFileSync(join(gw.dir, path), content);
  return { path, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}

beforeAll(async () => {
  gw = await createTestGateway();
  adminId = await gw.addUser('root.admin', 'System Administrator');
  operatorId = await gw.addUser('olga', 'Operator');
  admin = await gw.login('root.admin');
  const insert = (
    s: ReturnType<typeof finishedSession>,
    hash: string,
    recording = addRecording(hash, bytes),
  ) =>
    gw.store.sessions.insert({ ...s, userId: operatorId, hash, startedAt: Number(s.startedAt), recording });
  ids = {
    R: await insert(finishedSession('olga', base, { credential: 'root', device: 'web-01' }), 'aaaa1111'),
    N: await gw.store.sessions.insert({
      ...finishedSession('olga', base + 60_000, { recording: null }),
      userId: operatorId,
      hash: 'bbbb2222',
      startedAt: base + 60_000,
    }),
    L: await gw.store.sessions.insert({
      ...liveSession('olga', base + 120_000),
      userId: operatorId,
      hash: 'cccc3333',
      startedAt: base + 120_000,
    }),
    X: await insert(
      finishedSession('olga', base + 180_000),
      'dddd4444',
      addRecording('dddd4444', Buffer.from('gone')),
    ),
  };
  rmSync(join(gw.dir, 'recordings', 'dddd4444.vrec'));
  // Also on a real socket, for a download that is cut mid-way.
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await gw.close();
});

const get = (url: string, headers: Record<string, string> = {}, token = admin) =>
  gw.request({ method: 'GET', url, token, headers });
const downloads = async (sessionId: number) =>
  (await gw.store.events.list({ sessionId, type: 'Video Download' }, 0, 1)).total;
const recordingUrl = (id: number) => `/api/v1/sessions/${id}/recording`;

describe('the signing key', () => {
  test('is the public half of the data folder key, with its id (SHA-256 of the DER SPKI)', async () => {
    const res = await get('/api/v1/gateway/signing-key');
    expect(res.statusCode, res.body).toBe(200);
    const key = res.json() as GatewaySigningKey;
    const fromFolder = createPublicKey(readFileSync(join(gw.dir, 'signing-key.pem')));
    expect(key.publicKey).toBe(fromFolder.export({ type: 'spki', format: 'pem' }));
    const der = createPublicKey(key.publicKey).export({ type: 'spki', format: 'der' });
    expect(key.keyId).toBe(createHash('sha256').update(der).digest('hex'));
    expect(createPublicKey(key.publicKey).asymmetricKeyType).toBe('ed25519');
  });
});

describe('the manifest', () => {
  test('names the session and the file, and its signature verifies over the canonical JSON', async () => {
    const res = await get(`${recordingUrl(ids.R)}/manifest`);
    expect(res.statusCode, res.body).toBe(200);
    const sealed = res.json() as SealedRecording;
    expect(sealed.manifest).toMatchObject({
      format: 'vigil-recording',
      version: 1,
      sessionId: ids.R,
      hash: 'aaaa1111',
      operator: 'olga',
      account: 'root',
      target: 'web-01',
      protocol: 'ssh',
      startedAt: new Date(base).toISOString(),
      size: SIZE,
      sha256,
      gatewayKeyId: sealed.keyId,
    });
    expect(sealed.manifest.recovered).toBeUndefined();
    expect(Date.parse(sealed.manifest.endedAt) - base).toBe(sealed.manifest.durationMs);
    expect({ size: sealed.size, sha256: sealed.sha256 }).toEqual({ size: SIZE, sha256 });
    const signed = Buffer.from(canonicalJson(sealed.manifest), 'utf8');
    const key = createPublicKey(sealed.publicKey);
    const signature = Buffer.from(sealed.signature, 'base64');
    expect(verify(null, signed, key, signature)).toBe(true);
    const forged = Buffer.from(canonicalJson({ ...sealed.manifest, operator: 'someone' }), 'utf8');
    expect(verify(null, forged, key, signature)).toBe(false);
  });

  test('the same seal is kept in the database and next to the recording', async () => {
    const sealed = (await get(`${recordingUrl(ids.R)}/manifest`)).json() as SealedRecording;
    const onDisk = readFileSync(join(gw.dir, 'recordings', 'aaaa1111.manifest.json'), 'utf8');
    expect(onDisk).toBe(canonicalJson(sealed.manifest));
    expect(readFileSync(join(gw.dir, 'recordings', 'aaaa1111.manifest.sig'), 'utf8').trim()).toBe(
      sealed.signature,
    );
    expect((await gw.services.seal.stored(ids.R))?.manifest).toBe(onDisk);
  });

  test('404 without a recording or its file, 409 while live, 404 for an unknown session', async () => {
    expect((await get(`${recordingUrl(ids.N)}/manifest`)).statusCode).toBe(404);
    const missing = await get(`${recordingUrl(ids.X)}/manifest`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/missing/);
    const live = await get(`${recordingUrl(ids.L)}/manifest`);
    expect(live.statusCode).toBe(409);
    expect(live.json().error.code).toBe('INVALID_STATE');
    expect((await get(`${recordingUrl(999_999)}/manifest`)).statusCode).toBe(404);
  });
});

describe('downloading the recording', () => {
  test('the whole file, with its ETag, Accept-Ranges and a file name; one "Video Download" event', async () => {
    const before = await downloads(ids.R);
    const res = await get(recordingUrl(ids.R));
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-length']).toBe(String(SIZE));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toBe(`"${sha256}"`);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="vigil-session-${ids.R}-aaaa1111.vrec"`,
    );
    expect(await downloads(ids.R)).toBe(before + 1);
    const event = (await gw.store.events.list({ sessionId: ids.R, type: 'Video Download' }, 0, 1)).items[0]!;
    expect(event.actorId).toBe(adminId);
    expect(event.note).toContain(sha256);
  });

  test.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, SIZE - 1],
    ['bytes=-50', SIZE - 50, SIZE - 1],
    ['bytes=1000-1999999999', 1000, SIZE - 1],
    ['BYTES=5-5', 5, 5],
  ])('%s is a 206 with its Content-Range', async (range, start, end) => {
    const res = await get(recordingUrl(ids.R), { range });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(res.rawPayload.equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  test.each([`bytes=${SIZE}-`, `bytes=${SIZE + 10}-${SIZE + 20}`, 'bytes=-0'])(
    '%s cannot be satisfied: 416 with Content-Range bytes */SIZE',
    async (range) => {
      const before = await downloads(ids.R);
      const res = await get(recordingUrl(ids.R), { range });
      expect(res.statusCode).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${SIZE}`);
      expect(res.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
      expect(await downloads(ids.R)).toBe(before);
    },
  );

  test.each(['bytes=abc', 'items=0-5', 'bytes=9-1', 'bytes=0-1,5-9', 'bytes=', 'bytes=-'])(
    'a Range the server may ignore (%s) gets the whole file',
    async (range) => {
      const res = await get(recordingUrl(ids.R), { range });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.rawPayload.length).toBe(SIZE);
    },
  );

  test('If-Range with the ETag keeps the range; another tag, a weak tag or a date gets the whole file', async () => {
    const etag = `"${sha256}"`;
    const match = await get(recordingUrl(ids.R), { range: 'bytes=10-19', 'if-range': etag });
    expect(match.statusCode).toBe(206);
    expect(match.rawPayload.equals(bytes.subarray(10, 20))).toBe(true);
    for (const ifRange of [`"${'0'.repeat(64)}"`, `W/${etag}`, new Date().toUTCString()]) {
      const res = await get(recordingUrl(ids.R), { range: 'bytes=10-19', 'if-range': ifRange });
      expect(res.statusCode, ifRange).toBe(200);
      expect(res.rawPayload.length).toBe(SIZE);
    }
  });

  test('only a download from byte 0 is a "Video Download" event', async () => {
    const before = await downloads(ids.R);
    const head = await gw.request({ method: 'HEAD', url: recordingUrl(ids.R), token: admin });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(SIZE));
    await get(recordingUrl(ids.R), { range: 'bytes=100-' });
    await get(recordingUrl(ids.R), { range: 'bytes=-50' });
    expect(await downloads(ids.R)).toBe(before);
    await get(recordingUrl(ids.R), { range: 'bytes=0-99' });
    expect(await downloads(ids.R)).toBe(before + 1);
  });

  test('a download cut mid-way and resumed with Range and If-Range gives the same bytes, logged once', async () => {
    {
      const port = (gw.app.server.address() as AddressInfo).port;
      const before = await downloads(ids.R);
      const first = await new Promise<{ received: Buffer; etag: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: recordingUrl(ids.R),
            headers: { authorization: `Bearer ${admin}` },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let length = 0;
            res.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              length += chunk.length;
              // The connection drops after the first megabyte or so.
              if (length >= 1024 * 1024) {
                req.destroy();
                resolve({ received: Buffer.concat(chunks), etag: String(res.headers.etag) });
              }
            });
            res.on('error', () => undefined);
          },
        );
        req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
        req.end();
      });
      expect(first.received.length).toBeLessThan(SIZE);
      const resumed = await new Promise<{ status: number; body: Buffer; range: string | undefined }>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path: recordingUrl(ids.R),
              headers: {
                authorization: `Bearer ${admin}`,
                range: `bytes=${first.received.length}-`,
                'if-range': first.etag,
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  body: Buffer.concat(chunks),
                  range: res.headers['content-range'],
                }),
              );
            },
          );
          req.on('error', reject);
          req.end();
        },
      );
      expect(resumed.status).toBe(206);
      expect(resumed.range).toBe(`bytes ${first.received.length}-${SIZE - 1}/${SIZE}`);
      const whole = Buffer.concat([first.received, resumed.body]);
      expect(createHash('sha256').update(whole).digest('hex')).toBe(sha256);
      expect(await downloads(ids.R)).toBe(before + 1);
    }
  });

  test('a file changed on disk is refused (409), a missing one is a 404, live is a 409', async () => {
    const missing = await get(recordingUrl(ids.X));
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/missing/);
    expect((await get(recordingUrl(ids.N))).statusCode).toBe(404);
    expect((await get(recordingUrl(ids.L))).statusCode).toBe(409);
    writeFileSync(join(gw.dir, 'recordings', 'dddd4444.vrec'), 'grown');
    const altered = await get(recordingUrl(ids.X));
    expect(altered.statusCode).toBe(409);
    expect(altered.json().error.code).toBe('RECORDING_ALTERED');
  });
});

describe('reporting plays', () => {
  const plays = (sessionId: number) => gw.store.events.list({ sessionId, type: 'Session Play' }, 0, 100);
  const play = (id: number, payload?: object) =>
    gw.request({ method: 'POST', url: `/api/v1/sessions/${id}/plays`, token: admin, payload });

  test('a play now, and a play made offline with its real time', async () => {
    const before = (await plays(ids.R)).total;
    expect((await play(ids.R, {})).statusCode).toBe(204);
    expect((await play(ids.R)).statusCode, 'without a body').toBe(204);
    const offlineAt = new Date(base + 3_600_000);
    const res = await play(ids.R, { at: offlineAt.toISOString() });
    expect(res.statusCode, res.body).toBe(204);
    const { items, total } = await plays(ids.R);
    expect(total).toBe(before + 3);
    const offline = items.find((e) => e.at === offlineAt.getTime());
    expect(offline?.actorId).toBe(adminId);
    expect(offline?.note).toMatch(/reported at/);
  });

  test('a time before the session ended, in the future or not a time is refused with 400', async () => {
    const before = (await plays(ids.R)).total;
    const session = (await gw.store.sessions.get(ids.R, adminId))!;
    for (const at of [
      new Date(session.endedAt! - 1).toISOString(),
      new Date(Date.now() + 3_600_000).toISOString(),
      'yesterday',
    ]) {
      const res = await play(ids.R, { at });
      expect(res.statusCode, at).toBe(400);
      expect(res.json().error.message).toMatch(/at/);
    }
    expect((await play(ids.R, { at: new Date().toISOString(), extra: 1 })).statusCode).toBe(400);
    expect((await plays(ids.R)).total).toBe(before);
  });

  test('a live session has no recording to play (409)', async () => {
    expect((await play(ids.L, {})).statusCode).toBe(409);
  });
});

describe('an auditor without the Recording permission', () => {
  test('is refused the file (logged as "Video Download (attempted)"), the manifest and plays, unless listed', async () => {
    const anaId = await gw.addUser('ana', 'PAM Auditor');
    await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Recording');
    const ana = await gw.login('ana');
    const attempts = async () =>
      (await gw.store.events.list({ type: 'Video Download (attempted)' }, 0, 1)).total;
    const before = await attempts();
    const refused = await get(recordingUrl(ids.R), {}, ana);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toBe('Missing permission PAM.SessionManagement.Recording');
    expect(await attempts()).toBe(before + 1);
    const attempt = (await gw.store.events.list({ type: 'Video Download (attempted)' }, 0, 1)).items[0]!;
    expect({ actorId: attempt.actorId, sessionId: attempt.sessionId }).toEqual({
      actorId: anaId,
      sessionId: ids.R,
    });
    expect((await get(`${recordingUrl(ids.R)}/manifest`, {}, ana)).statusCode).toBe(403);
    const play = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${ids.R}/plays`,
      token: ana,
      payload: {},
    });
    expect(play.statusCode).toBe(403);
    expect(await attempts()).toBe(before + 1);

    // Listed as the session's auditor, the same auditor may download it.
    await gw.store.auditors.replace(ids.R, [anaId], adminId, Date.now());
    const partial = await get(recordingUrl(ids.R), { range: 'bytes=0-9' }, ana);
    expect(partial.statusCode).toBe(206);
    expect(partial.rawPayload.equals(bytes.subarray(0, 10))).toBe(true);
  });
});
