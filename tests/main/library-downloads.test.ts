import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, keyId } from '../../src/recording/manifest';
import type { MainServices } from '../../src/main/services';
import { DownloadManager } from '../../src/main/services/downloads/download-manager';
import { LibraryFolder } from '../../src/main/services/library/folder';
import { Library } from '../../src/main/services/library/library';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import type { DownloadStatus, IpcChannel, PlayerScreen } from '../../src/shared/ipc';
import { dataPaths } from '../../src/gateway/datadir';
import { seedDataDir, startGatewayProcess, withDataDir, type GatewayProcess } from '../support/gateway';
import { waitFor } from '../support/wait';
import { startCuttingProxy, type CuttingProxy } from './helpers/cuttingProxy';
import { recordedSession } from './helpers/recordedSessions';
import { signInTrusting, value, type Pushed } from './helpers/services';
import { createTestServices } from './helpers/testApp';

const STARTED = Date.parse('2026-03-02T09:00:00Z');

describe('Recording downloads and the offline library against a real gateway process', () => {
  let gateway: GatewayProcess;
  let proxy: CuttingProxy;
  let dir: string;
  let services: MainServices;
  const pushed: Pushed[] = [];
  /** Session id → the recording file on the gateway. */
  const recordings = new Map<number, string>();
  /** Session id → the lines of output its recording shows, one every 100 ms from 0. */
  const outputs = new Map<number, string[]>();
  let sessionIds: number[];

  const make = () =>
    createTestServices(dir, proxy.url, {
      saveDir: join(dir, 'exports'),
      events: (event, payload) => pushed.push({ event, payload } as Pushed),
    });
  const callOn =
    (target: () => MainServices) =>
    <C extends IpcChannel>(channel: C, ...args: unknown[]) =>
      target().handlers[channel](...args);
  const call = callOn(() => services);

  const signIn = (on: MainServices) =>
    signInTrusting(on.handlers, gateway.fingerprint, 'admin', gateway.adminPassword);

  /** Waits for the download's last state to be one of `states`, and returns it. */
  async function settled(on: MainServices, downloadId: string, states = ['done', 'failed', 'cancelled']) {
    let last: DownloadStatus | undefined;
    await waitFor(
      async () => {
        last = value(await on.handlers['downloads:list']()).find((d) => d.downloadId === downloadId);
        return last !== undefined && states.includes(last.state);
      },
      () => `download ${downloadId} to settle (last: ${JSON.stringify(last)})`,
      20_000,
    );
    return last!;
  }

  const countEvents = (type: 'Video Download' | 'Session Play', sessionId: number) =>
    withDataDir(
      gateway.dataDir,
      async (store) => (await store.events.list({ type, sessionId }, 0, 100)).items,
    );

  beforeAll(async () => {
    gateway = await startGatewayProcess();
    const sessions = [];
    const paths: string[] = [];
    const lines: string[][] = [];
    for (let n = 0; n < 4; n++) {
      // Random text does not compress: the files stay a few hundred kilobytes, so a cut lands mid-way.
      lines.push(Array.from({ length: 400 }, () => randomBytes(600).toString('base64')));
      const recorded = await recordedSession(
        gateway.dataDir,
        `download-${n}`,
        STARTED + n * 3_600_000,
        lines[n]!,
      );
      sessions.push(recorded.session);
      paths.push(recorded.path);
    }
    const seeded = await seedDataDir(gateway.dataDir, { sessions });
    sessionIds = seeded.sessionIds;
    paths.forEach((path, n) => recordings.set(sessionIds[n]!, path));
    lines.forEach((shown, n) => outputs.set(sessionIds[n]!, shown));
    proxy = await startCuttingProxy(gateway.httpPort);
    dir = mkdtempSync(join(tmpdir(), 'vigil-library-'));
    services = make();
    await signIn(services);
  }, 60_000);

  afterAll(async () => {
    services?.close();
    await proxy?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const recordingBytes = (sessionId: number) => {
    const path = recordings.get(sessionId)!;
    return readFileSync(path.startsWith('/') ? path : join(gateway.dataDir, path));
  };

  it('shows the signing key on first use and pins it only for the key the user compared', async () => {
    const profileId = value(await call('profiles:list'))[0]!.id;
    const shown = value(await call('profiles:signingKey', profileId));
    expect(shown.trusted).toBe(false);
    expect(shown.keyId).toBe(keyId(readFileSync(dataPaths(gateway.dataDir).signingKey, 'utf8')));
    const wrong = await call('profiles:trustSigningKey', { profileId, keyId: 'f'.repeat(64) });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(value(await call('profiles:list'))[0]!.signingKey).toBeUndefined();
  });

  it('downloads into the library as Unknown key until the key is trusted, then Verified', async () => {
    const sessionId = sessionIds[0]!;
    const started = value(await call('downloads:start', sessionId));
    const done = await settled(services, started.downloadId);
    expect(done).toMatchObject({ state: 'done', resumedFrom: 0, error: null });
    const [item] = value(await call('library:list'));
    expect(item).toMatchObject({ sessionId, operator: 'alice', hasSnapshot: true, imported: false });
    expect(item!.verification.status).toBe('unknown-key');
    const { path } = value(await call('library:reveal', item!.itemId));
    expect(readFileSync(path).equals(recordingBytes(sessionId))).toBe(true);
    const snapshot = JSON.parse(readFileSync(join(path, '..', 'session.json'), 'utf8')) as {
      session: { id: number };
      events: unknown[];
      logs: { session: { id: number } } | null;
    };
    expect(snapshot.session.id).toBe(sessionId);
    expect(snapshot.logs?.session.id).toBe(sessionId);
    expect(snapshot.events.length).toBeGreaterThan(0);
    expect(await countEvents('Video Download', sessionId)).toHaveLength(1);
    const progress = pushed
      .filter((p) => p.event === 'downloads:progress')
      .map((p) => p.payload as DownloadStatus);
    expect(progress.map((p) => p.state)).toContain('running');
    expect(progress.at(-1)).toMatchObject({
      state: 'done',
      bytes: statSync(path).size,
      total: statSync(path).size,
    });

    const profileId = value(await call('profiles:list'))[0]!.id;
    const shown = value(await call('profiles:signingKey', profileId));
    const pinned = value(await call('profiles:trustSigningKey', { profileId, keyId: shown.keyId }));
    expect(pinned.signingKey?.keyId).toBe(shown.keyId);
    expect(value(await call('library:verify', item!.itemId)).verification.status).toBe('verified');
  });

  it('resumes a cut download with a Range request: same bytes, only the rest travels, one download event', async () => {
    const sessionId = sessionIds[1]!;
    const size = recordingBytes(sessionId).length;
    proxy.cutAfter(Math.floor(size / 3));
    const first = value(await call('downloads:start', sessionId));
    const failed = await settled(services, first.downloadId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('NETWORK');
    expect(value(await call('library:list')).map((i) => i.sessionId)).not.toContain(sessionId);
    const partial = partFiles(services.library.folder());
    expect(partial).toHaveLength(1);
    const partSize = statSync(partial[0]!).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(size);

    const before = proxy.connections.length;
    value(await call('downloads:start', sessionId));
    const done = await settled(services, first.downloadId);
    expect(done.state).toBe('done');
    expect(done.resumedFrom).toBe(partSize);
    const largest = Math.max(...proxy.connections.slice(before).map((c) => c.down));
    expect(largest).toBeLessThan(size);
    const item = value(await call('library:list')).find((i) => i.sessionId === sessionId)!;
    expect(item.verification.status).toBe('verified');
    const { path } = value(await call('library:reveal', item.itemId));
    expect(readFileSync(path).equals(recordingBytes(sessionId))).toBe(true);
    expect(partFiles(services.library.folder())).toEqual([]);
    expect(await countEvents('Video Download', sessionId)).toHaveLength(1);
  });

  it('after a restart, a new manager lists the partial download and resumes it', async () => {
    const sessionId = sessionIds[2]!;
    const size = recordingBytes(sessionId).length;
    proxy.cutAfter(Math.floor(size / 2));
    const first = value(await call('downloads:start', sessionId));
    expect((await settled(services, first.downloadId)).state).toBe('failed');
    const partSize = statSync(partFiles(services.library.folder())[0]!).size;
    services.close();
    services = make();
    const listed = value(await call('downloads:list'));
    expect(listed).toEqual([
      expect.objectContaining({ sessionId, state: 'interrupted', bytes: partSize, total: size }),
    ]);
    expect(await call('downloads:start', sessionId)).toMatchObject({
      ok: false,
      error: { code: 'NOT_LOGGED_IN' },
    });
    await signIn(services);
    value(await call('downloads:start', sessionId));
    const done = await settled(services, first.downloadId);
    expect(done).toMatchObject({ state: 'done', resumedFrom: partSize });
    const item = value(await call('library:list')).find((i) => i.sessionId === sessionId)!;
    expect(
      readFileSync(value(await call('library:reveal', item.itemId)).path).equals(recordingBytes(sessionId)),
    ).toBe(true);
    expect(item.verification.status).toBe('verified');
  });

  it('a flipped byte in the library copy is Altered, and Verified again once restored', async () => {
    const item = value(await call('library:list')).find((i) => i.sessionId === sessionIds[0])!;
    const { path } = value(await call('library:reveal', item.itemId));
    const bytes = readFileSync(path);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(path, flipped);
    const altered = value(await call('library:verify', item.itemId)).verification;
    expect(altered.status).toBe('altered');
    expect(altered.reason).toContain('SHA-256');
    writeFileSync(path, bytes);
    expect(value(await call('library:verify', item.itemId)).verification.status).toBe('verified');
  });

  it('imports: the genuine files verify with the pinned key; another signer is Unknown key; a bad signature is Altered', async () => {
    const source = value(await call('library:list')).find((i) => i.sessionId === sessionIds[0])!;
    const folder = join(services.library.folder(), source.itemId);
    const genuine = value(
      await call('library:import', {
        recording: join(folder, 'recording.vrec'),
        manifest: join(folder, 'manifest.json'),
        signature: join(folder, 'manifest.sig'),
      }),
    );
    expect(genuine).toMatchObject({ imported: true, profileId: null, hasSnapshot: false });
    expect(genuine.verification.status).toBe('verified');
    value(await call('library:delete', genuine.itemId));

    const other = generateKeyPairSync('ed25519');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const manifest = {
      ...(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Record<string, string>),
      gatewayKeyId: keyId(other.publicKey),
    };
    const sent = mkdtempSync(join(tmpdir(), 'vigil-sent-'));
    writeFileSync(join(sent, 'm.json'), JSON.stringify(manifest));
    const signature = sign(
      null,
      Buffer.from(canonicalJson(manifest)),
      createPrivateKey(other.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    );
    writeFileSync(join(sent, 'm.sig'), signature.toString('base64'));
    writeFileSync(join(sent, 'key.pem'), otherPem);
    const files = {
      recording: join(folder, 'recording.vrec'),
      manifest: join(sent, 'm.json'),
      signature: join(sent, 'm.sig'),
    };
    const foreign = value(await call('library:import', { ...files, publicKey: join(sent, 'key.pem') }));
    expect(foreign.verification.status).toBe('unknown-key');
    expect(foreign.verification.reason).toContain('no gateway profile trusts');
    expect(foreign.verification.reason).toContain('match');

    const forged = Buffer.from(signature);
    forged[0]! ^= 0xff;
    writeFileSync(join(sent, 'm.sig'), forged.toString('base64'));
    const altered = value(await call('library:verify', foreign.itemId));
    expect(altered.verification.status).toBe('unknown-key');
    value(await call('library:delete', foreign.itemId));
    const reimported = value(await call('library:import', { ...files, publicKey: join(sent, 'key.pem') }));
    expect(reimported.verification.status).toBe('altered');
    expect(reimported.verification.reason).toContain('signature');
    value(await call('library:delete', reimported.itemId));
    rmSync(sent, { recursive: true, force: true });
  });

  it('a pinned profile whose gateway now signs with another key raises SIGNING_KEY_CHANGED and downloads nothing', async () => {
    const profileId = value(await call('profiles:list'))[0]!.id;
    const real = value(await call('profiles:list'))[0]!.signingKey!;
    const other = generateKeyPairSync('ed25519').publicKey;
    value(await call('profiles:forgetSigningKey', profileId));
    services.profiles.trustSigningKey(
      profileId,
      { keyId: keyId(other), publicKey: other.export({ type: 'spki', format: 'pem' }).toString() },
      new Date(),
    );
    const sessionId = sessionIds[3]!;
    const started = value(await call('downloads:start', sessionId));
    const failed = await settled(services, started.downloadId);
    expect(failed.error?.code).toBe('SIGNING_KEY_CHANGED');
    expect(failed.error?.message).toContain(real.keyId);
    expect(await countEvents('Video Download', sessionId)).toHaveLength(0);
    expect(partFiles(services.library.folder())).toEqual([]);
    expect(await call('profiles:signingKey', profileId)).toMatchObject({
      ok: false,
      error: { code: 'SIGNING_KEY_CHANGED' },
    });
    expect(await call('profiles:trustSigningKey', { profileId, keyId: real.keyId })).toMatchObject({
      ok: false,
      error: { code: 'SIGNING_KEY_CHANGED' },
    });
    value(await call('profiles:forgetSigningKey', profileId));
    value(await call('profiles:trustSigningKey', { profileId, keyId: real.keyId }));
  });

  it('cancelling a running download stops it and deletes its partial file', async () => {
    const sessionId = sessionIds[3]!;
    proxy.stallAfter(Math.floor(recordingBytes(sessionId).length / 2));
    const started = value(await call('downloads:start', sessionId));
    await waitFor(
      () =>
        pushed.some(
          (p) =>
            p.event === 'downloads:progress' &&
            p.payload.downloadId === started.downloadId &&
            p.payload.state === 'running' &&
            p.payload.bytes > 0,
        ),
      'the download to be under way',
    );
    expect(partFiles(services.library.folder())).toHaveLength(1);
    value(await call('downloads:cancel', started.downloadId));
    const last = await settled(services, started.downloadId);
    expect(last.state).toBe('cancelled');
    expect(partFiles(services.library.folder())).toEqual([]);
    expect(value(await call('library:list')).map((i) => i.sessionId)).not.toContain(sessionId);
    expect(await call('downloads:cancel', 'nobody:1')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('a play is reported now, or queued while the gateway is unreachable and sent at the next login with its real time', async () => {
    const sessionId = sessionIds[0]!;
    const item = value(await call('library:list')).find((i) => i.sessionId === sessionId && !i.imported)!;
    expect(value(await call('library:reportPlay', item.itemId))).toEqual({ pending: 0 });
    expect(await countEvents('Session Play', sessionId)).toHaveLength(1);

    proxy.setReachable(false);
    const playedAt = Date.now();
    expect(value(await call('library:reportPlay', item.itemId))).toEqual({ pending: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'plays.json'), 'utf8'))).toMatchObject({
      plays: [{ sessionId }],
    });
    proxy.setReachable(true);
    services.close();
    services = make();
    await signIn(services);
    await waitFor(
      async () => (await countEvents('Session Play', sessionId)).length === 2,
      'the queued play to reach the gateway',
    );
    const late = (await countEvents('Session Play', sessionId)).find((e) => e.note.includes('reported at'))!;
    expect(Math.abs(late.at - playedAt)).toBeLessThan(5_000);
    // The gateway logs the play before the app hears back and crosses it off its queue.
    await waitFor(() => services.plays.pending() === 0, 'the queue to empty');
    await services.plays.flush(); // the queue file is saved after the play is crossed off
    expect(JSON.parse(readFileSync(join(dir, 'plays.json'), 'utf8'))).toEqual({ version: 1, plays: [] });
  });

  it('a full disk and an unusable folder are clear errors', async () => {
    const library = new Library({
      folder: new LibraryFolder(join(dir, 'full')),
      profiles: services.profiles,
      now: () => new Date(),
    });
    const access = {
      profileId: () => services.auth.state()?.profileId ?? null,
      withSession: services.auth.withSession.bind(services.auth),
    };
    const full = new DownloadManager({
      access,
      library,
      profiles: services.profiles,
      events: () => undefined,
      now: () => new Date(),
      // /dev/full answers every write with the kernel's ENOSPC.
      fs: {
        createWriteStream: ((_path: string) =>
          createWriteStream('/dev/full')) as unknown as typeof createWriteStream,
      },
    });
    const started = await full.start(sessionIds[3]!);
    let last: DownloadStatus | undefined;
    await waitFor(async () => (last = (await full.list())[0])?.state === 'failed', 'the download to fail');
    expect(last!.error?.code).toBe('DISK_FULL');
    expect(last!.error?.message).toMatch(/full.*Free some space/s);
    expect(started.downloadId).toBe(last!.downloadId);

    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const underFile = await call('library:setFolder', join(file, 'library'));
    expect(underFile).toMatchObject({ ok: false, error: { code: 'FOLDER_NOT_WRITABLE' } });
    if (!underFile.ok) expect(underFile.error.message).toContain('not a folder');
    // Root may write anywhere chmod forbids; sysfs refuses new folders even to root (EPERM).
    const denied = await call('library:setFolder', '/sys/vigil-library');
    expect(denied).toMatchObject({ ok: false, error: { code: 'FOLDER_NOT_WRITABLE' } });
    if (!denied.ok) expect(denied.error.message).toContain('permission');
    expect(value(await call('library:folder')).folder).toBe(join(dir, 'library'));
    const elsewhere = join(dir, 'elsewhere', 'library');
    expect(value(await call('library:setFolder', elsewhere))).toEqual({ folder: elsewhere });
    expect(value(await call('library:list'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'library.json'), 'utf8'))).toMatchObject({ folder: elsewhere });
    value(await call('library:setFolder', join(dir, 'library')));
    expect(value(await call('library:list')).length).toBeGreaterThan(0);
  });

  it('refuses bad payloads with VALIDATION', async () => {
    const bad: [IpcChannel, unknown[]][] = [
      ['downloads:start', [-1]],
      ['downloads:start', ['7']],
      ['library:verify', ['../../etc']],
      ['library:delete', ['']],
      ['library:import', [{ recording: 1, manifest: 'm', signature: 's' }]],
      ['library:import', [{ recording: 'r', manifest: 'm', signature: 's', extra: true }]],
      ['profiles:trustSigningKey', [{ profileId: 'x', keyId: 'ZZ' }]],
      ['library:setFolder', ['relative/folder']],
      ['library:reportPlay', [{}]],
    ];
    for (const [channel, args] of bad) {
      expect(await call(channel, ...args), channel).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
    }
    expect(await call('library:verify', 'no-such-item')).toMatchObject({
      ok: false,
      error: { code: 'LIBRARY_ITEM_NOT_FOUND' },
    });
  });

  it('with the gateway stopped and no login, the library still lists, verifies and plays', async () => {
    await gateway.stop({ keepData: true });
    services.close();
    services = make();
    const items = value(await call('library:list'));
    expect(items.map((i) => i.sessionId).sort()).toEqual(
      [sessionIds[0], sessionIds[1], sessionIds[2]].sort(),
    );
    for (const item of items) {
      expect(value(await call('library:verify', item.itemId)).verification.status).toBe('verified');
    }
    expect(value(await call('auth:state'))).toBeNull();

    const item = items.find((i) => i.sessionId === sessionIds[1])!;
    const shown = outputs.get(item.sessionId)!;
    const player = value(await call('player:open', { itemId: item.itemId }));
    expect(player.durationMs).toBe(39_900);
    // Each line fills exactly 8 rows of 100 columns, so the screen's rows join into the lines shown.
    const screen = value(await call('player:screenAt', { playerId: player.playerId, atMs: 250 }));
    expect((await rowsOf(screen)).join('')).toBe(shown.slice(0, 3).join(''));
    const later = value(await call('player:screenAt', { playerId: player.playerId, atMs: 20_050 }));
    expect((await rowsOf(later)).join('')).toContain(shown[200]);
    const page = value(await call('player:events', { playerId: player.playerId, fromMs: 250, toMs: 400 }));
    expect(page.events.map((e) => e.atMs)).toEqual([300, 400]);
    const found = value(
      await call('player:search', { playerId: player.playerId, q: shown[123]!.slice(0, 60) }),
    );
    expect(found.hits.map((hit) => hit.atMs)).toEqual([12_300]);
    value(await call('player:close', player.playerId));
    // The play is kept and reported once the gateway is reachable again.
    expect(value(await call('library:reportPlay', item.itemId)).pending).toBeGreaterThan(0);
  });
});

/** The rows a fresh terminal shows after drawing a player screen. */
async function rowsOf(screen: PlayerScreen): Promise<string[]> {
  const terminal = new HeadlessScreen(screen.cols, screen.rows);
  await terminal.write(screen.screen);
  const rows = terminal.lines();
  terminal.dispose();
  return rows;
}

function partFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.part'))
    .map((name) => join(folder, name));
}
