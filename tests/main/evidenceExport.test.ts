import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MainServices } from '../../src/main/services';
import type { EvidenceBundle, EvidenceJob } from '../../src/shared/evidenceIpc';
import type { IpcChannel } from '../../src/shared/ipc';
import { seedDataDir, startGatewayProcess, withDataDir, type GatewayProcess } from '../support/gateway';
import { waitFor } from '../support/wait';
import { recordedSession } from './helpers/recordedSessions';
import { signInTrusting, value, type Pushed } from './helpers/services';
import { closeTestApp, createTestServices } from './helpers/testApp';

const STARTED = Date.parse('2026-04-06T09:00:00Z');

/**
 * Evidence bundles from the desktop side against a real gateway process: sessions of the list
 * exported as one folder or zip, recordings reused from the library, every bundle verified and
 * listed; a changed, removed or added file is named when the bundle is checked again offline.
 */
describe('Evidence bundles exported by the app from a real gateway', () => {
  let gateway: GatewayProcess;
  let dir: string;
  let saved: string;
  let services: MainServices;
  const pushed: Pushed[] = [];
  let sessionIds: number[];
  let profileId: string;

  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => services.handlers[channel](...args);

  const signIn = () => signInTrusting(services.handlers, gateway.fingerprint, 'admin', gateway.adminPassword);

  /** The export's last state, once it has ended. */
  async function ended(jobId: string): Promise<EvidenceJob> {
    let last: EvidenceJob | undefined;
    await waitFor(
      () => {
        last = pushed
          .filter((p) => p.event === 'evidence:progress')
          .map((p) => p.payload as EvidenceJob)
          .filter((job) => job.jobId === jobId)
          .at(-1);
        return last !== undefined && last.state !== 'running';
      },
      () => `evidence export ${jobId} to end (last: ${JSON.stringify(last)})`,
      30_000,
    );
    return last!;
  }

  async function exported(input: unknown): Promise<EvidenceBundle> {
    const started = value(await call('evidence:export', input));
    expect(started.state).toBe('running');
    const done = await ended(started.jobId);
    expect(done).toMatchObject({ state: 'done', error: null, progress: 1 });
    return done.bundle!;
  }

  const videoDownloads = (sessionId: number) =>
    withDataDir(
      gateway.dataDir,
      async (store) => (await store.events.list({ type: 'Video Download', sessionId }, 0, 100)).items.length,
    );

  beforeAll(async () => {
    gateway = await startGatewayProcess();
    const sessions = [];
    for (let n = 0; n < 3; n++) {
      const lines = Array.from({ length: 40 }, (_, i) => `evidence line ${n}.${i}`);
      sessions.push(
        (await recordedSession(gateway.dataDir, `evidence-${n}`, STARTED + n * 3_600_000, lines)).session,
      );
    }
    sessionIds = (await seedDataDir(gateway.dataDir, { sessions })).sessionIds;
    dir = mkdtempSync(join(tmpdir(), 'vigil-evidence-'));
    saved = join(dir, 'saved');
    services = createTestServices(dir, gateway.url, {
      saveDir: saved,
      events: (event, payload) => pushed.push({ event, payload } as Pushed),
    });
    profileId = await signIn();
  }, 60_000);

  afterAll(() => closeTestApp({ dir, services }, gateway));

  it('exports two sessions of the list as one folder that verifies and is listed', async () => {
    const [a, b] = sessionIds;
    const bundle = await exported({ format: 'folder', sessionIds: [a, b] });
    expect(bundle).toMatchObject({
      format: 'folder',
      sessionIds: [a, b],
      withoutRecording: [],
      imported: false,
    });
    expect(bundle.verification.status).toBe('verified');
    expect(bundle.path.startsWith(saved)).toBe(true);
    const files = readdirSync(bundle.path, { recursive: true }).map(String);
    for (const name of ['statement.json', 'statement.sig', 'public-key.pem', 'report.html', 'bundle.json'])
      expect(files).toContain(name);
    expect(files).toContain(join('sessions', String(a), 'recording.vrec'));
    expect(files).toContain(join('sessions', String(b), 'recording.vrec'));
    expect(readFileSync(join(bundle.path, 'report.html'), 'utf8')).toContain(`${a}`);
    const listed = value(await call('evidence:list'));
    expect(listed.find((l) => l.bundleId === bundle.bundleId)?.verification.status).toBe('verified');
    // Nothing of the work is left behind in the app's folder.
    expect(
      existsSync(join(dir, 'evidence-staging')) ? readdirSync(join(dir, 'evidence-staging')) : [],
    ).toEqual([]);
  });

  it('names a file changed by one byte, a removed file and an added one when verified again', async () => {
    const [a, b] = sessionIds;
    const bundle = await exported({ format: 'folder', sessionIds: [a, b] });
    const recording = join(bundle.path, 'sessions', String(b), 'recording.vrec');
    const bytes = readFileSync(recording);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(recording, bytes);
    const changed = value(await call('evidence:verify', bundle.bundleId));
    expect(changed.verification.status).toBe('altered');
    const byPath = (b: EvidenceBundle, path: string) => b.verification.files.find((f) => f.path === path);
    expect(byPath(changed, `sessions/${b}/recording.vrec`)?.status).toBe('changed');
    expect(changed.verification.files[0]!.path).toBe(`sessions/${b}/recording.vrec`);
    expect(byPath(changed, `sessions/${a}/recording.vrec`)?.status).toBe('ok');

    rmSync(join(bundle.path, 'sessions', String(a), 'logs.json'));
    appendFileSync(join(bundle.path, 'notes.txt'), 'written after the export\n');
    const worse = value(await call('evidence:verify', bundle.bundleId));
    expect(byPath(worse, `sessions/${a}/logs.json`)?.status).toBe('missing');
    expect(byPath(worse, 'notes.txt')?.status).toBe('added');
    // The list keeps the last result.
    const listed = value(await call('evidence:list')).find((l) => l.bundleId === bundle.bundleId)!;
    expect(listed.verification.status).toBe('altered');
  });

  it('reuses a verified library recording instead of downloading it again, and writes a zip', async () => {
    const [, , c] = sessionIds;
    const key = value(await call('profiles:signingKey', profileId));
    value(await call('profiles:trustSigningKey', { profileId, keyId: key.keyId }));
    const download = value(await call('downloads:start', c));
    await waitFor(
      async () =>
        value(await call('downloads:list')).find((d) => d.downloadId === download.downloadId)?.state ===
        'done',
      'the download to finish',
      20_000,
    );
    const [item] = value(await call('library:list'));
    expect(item!.verification.status).toBe('verified');
    const before = await videoDownloads(c!);
    const bundle = await exported({ format: 'zip', itemIds: [item!.itemId] });
    expect(bundle).toMatchObject({ format: 'zip', sessionIds: [c], withoutRecording: [] });
    expect(bundle.path.endsWith('.zip')).toBe(true);
    expect(bundle.verification.status).toBe('verified');
    expect(await videoDownloads(c!)).toBe(before);
  });

  it('opens a bundle from disk into the list, verified, and refuses what is not a bundle', async () => {
    const [a] = sessionIds;
    const bundle = await exported({ format: 'zip', sessionIds: [a] });
    value(await call('evidence:forget', bundle.bundleId));
    expect(value(await call('evidence:list')).some((l) => l.path === bundle.path)).toBe(false);
    const opened = value(await call('evidence:open', bundle.path));
    expect(opened).toMatchObject({ path: bundle.path, format: 'zip', sessionIds: [a], imported: true });
    expect(opened.verification.status).toBe('verified');
    // Opening it again keeps one row.
    expect(value(await call('evidence:open', bundle.path)).bundleId).toBe(opened.bundleId);

    const stray = join(dir, 'not-a-bundle');
    rmSync(stray, { recursive: true, force: true });
    writeFileSync(stray, 'hello');
    expect(await call('evidence:open', stray)).toMatchObject({
      ok: false,
      error: { code: 'EVIDENCE_NOT_A_BUNDLE' },
    });
    expect(await call('evidence:open', join(dir, 'nowhere'))).toMatchObject({
      ok: false,
      error: { code: 'EVIDENCE_NOT_A_BUNDLE' },
    });
  });

  it('says the gateway is needed when signed out, and writes nothing', async () => {
    const [item] = value(await call('library:list'));
    const before = readdirSync(saved);
    value(await call('auth:logout'));
    try {
      const refused = await call('evidence:export', { format: 'folder', itemIds: [item!.itemId] });
      expect(refused).toMatchObject({ ok: false, error: { code: 'EVIDENCE_NEEDS_GATEWAY' } });
      expect(readdirSync(saved)).toEqual(before);
      // The list and its checks still work offline.
      const listed = value(await call('evidence:list'));
      expect(listed.length).toBeGreaterThan(0);
      expect(value(await call('evidence:verify', listed[0]!.bundleId)).verification.checkedAt).toBeTruthy();
    } finally {
      await signIn();
    }
  });

  it('stops an export that is cancelled and leaves nothing behind', async () => {
    const before = readdirSync(saved);
    const listed = value(await call('evidence:list')).length;
    const started = value(
      await call('evidence:export', { format: 'folder', sessionIds: sessionIds.slice(0, 2) }),
    );
    value(await call('evidence:cancel', started.jobId));
    expect(await ended(started.jobId)).toMatchObject({ state: 'cancelled', bundle: null });
    expect(readdirSync(saved)).toEqual(before);
    expect(readdirSync(join(dir, 'evidence-staging'))).toEqual([]);
    expect(value(await call('evidence:list'))).toHaveLength(listed);
    // Cancelling one that has ended is not an error.
    value(await call('evidence:cancel', started.jobId));
  });

  it('checks what the renderer sends', async () => {
    expect(await call('evidence:export', { format: 'folder', sessionIds: [] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await call('evidence:export', { format: 'tar', sessionIds: [1] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await call('evidence:verify', '../etc')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await call('evidence:verify', 'bffffffffffffffff')).toMatchObject({
      ok: false,
      error: { code: 'EVIDENCE_BUNDLE_NOT_FOUND' },
    });
    expect(await call('evidence:cancel', 'nope')).toMatchObject({
      ok: false,
      error: { code: 'EVIDENCE_JOB_NOT_FOUND' },
    });
  });
});
