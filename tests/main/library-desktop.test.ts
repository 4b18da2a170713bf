import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/gateway/datadir';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../../src/main/services';
import { RasterRecordingReader } from '../../src/recording';
import type { DownloadStatus, IpcChannel } from '../../src/shared/ipc';
import { decodeFrame } from '../../src/shared/rdpWire';
import { DESKTOP, writeDesktopRecording, type DesktopRecording } from '../support/desktopRecording';
import { finishedSession, seedDataDir, startGatewayProcess, type GatewayProcess } from '../support/gateway';
import { waitFor } from '../support/wait';
import { NoSecrets, value } from './helpers/services';

const appInfo = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;
const STARTED = Date.parse('2026-03-02T10:00:00Z');

/**
 * The library is format-agnostic: a desktop (RDP) recording sealed by a real gateway process is
 * downloaded, checked against its signed manifest, re-checked offline (a flipped byte is Altered)
 * and played from the library copy.
 */
describe('a desktop recording through downloads, verification and the library', () => {
  let gateway: GatewayProcess;
  let dir: string;
  let services: MainServices;
  let recording: DesktopRecording;
  let sessionId: number;

  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => services.handlers[channel](...args);

  beforeAll(async () => {
    gateway = await startGatewayProcess();
    recording = await writeDesktopRecording(join(ensureDataDir(gateway.dataDir).recordings, 'desk.vrec'), {
      sessionId: 'desk',
      startedAt: new Date(STARTED),
    });
    const seeded = await seedDataDir(gateway.dataDir, {
      sessions: [
        finishedSession('alice', STARTED, {
          device: 'desk-01',
          credential: 'Administrator',
          protocol: 'rdp',
          proxy: 'RDP Proxy',
          durationMs: recording.durationMs,
          endedAt: STARTED + recording.durationMs,
          recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
        }),
      ],
    });
    sessionId = seeded.sessionIds[0]!;
    dir = mkdtempSync(join(tmpdir(), 'vigil-library-desktop-'));
    services = createMainServices({
      userDataDir: dir,
      secrets: new NoSecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'exports')),
      events: () => undefined,
      appInfo,
      gatewayUrl: gateway.url,
    });
    const [profile] = value(await call('profiles:list'));
    const profileId = profile!.id;
    value(await call('profiles:trustCertificate', { profileId, fingerprint: gateway.fingerprint }));
    value(
      await call('auth:login', {
        profileId,
        username: 'admin',
        password: gateway.adminPassword,
        remember: false,
      }),
    );
    const key = value(await call('profiles:signingKey', profileId));
    value(await call('profiles:trustSigningKey', { profileId, keyId: key.keyId }));
  }, 60_000);

  afterAll(async () => {
    await services?.player.closeAll();
    services?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('downloads it as Verified, byte for byte, with the session’s facts, and plays the copy', async () => {
    const started = value(await call('downloads:start', sessionId));
    let last: DownloadStatus | undefined;
    await waitFor(async () => {
      last = value(await call('downloads:list')).find((d) => d.downloadId === started.downloadId);
      return last !== undefined && ['done', 'failed', 'cancelled'].includes(last.state);
    }, 'the download to end');
    expect(last).toMatchObject({ state: 'done', error: null });

    const item = value(await call('library:list')).find((i) => i.sessionId === sessionId)!;
    expect(item).toMatchObject({
      protocol: 'rdp',
      target: 'desk-01',
      account: 'Administrator',
      size: recording.size,
    });
    expect(item.sha256).toBe(recording.sha256);
    expect(item.verification.status).toBe('verified');
    const { path } = value(await call('library:reveal', item.itemId));
    expect(readFileSync(path).equals(readFileSync(recording.path))).toBe(true);
    const details = value(await call('library:details', item.itemId));
    expect(details.manifest).toMatchObject({
      protocol: 'rdp',
      sha256: recording.sha256,
      size: recording.size,
    });

    const info = value(await call('player:open', { itemId: item.itemId }));
    expect(info).toMatchObject({
      kind: 'desktop',
      width: DESKTOP.width,
      height: DESKTOP.height,
      durationMs: DESKTOP.durationMs,
    });
    const reader = await RasterRecordingReader.open(path);
    try {
      const atMs = DESKTOP.orange.atMs + 100;
      const screen = value(await call('player:desktopAt', { playerId: info.playerId, atMs }));
      const frame = decodeFrame(Buffer.from(screen.frame, 'base64'));
      if (frame.kind !== 'screen') throw new Error('not a screen frame');
      expect(inflateRawSync(frame.deflated).equals(Buffer.from((await reader.stateAt(atMs)).pixels))).toBe(
        true,
      );
    } finally {
      await reader.close();
    }
    value(await call('player:close', info.playerId));

    // A flipped byte is Altered; put back, Verified again: all offline, from the library copy.
    const bytes = readFileSync(path);
    const middle = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
    writeFileSync(path, bytes);
    expect(value(await call('library:verify', item.itemId)).verification.status).toBe('altered');
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
    writeFileSync(path, bytes);
    expect(value(await call('library:verify', item.itemId)).verification.status).toBe('verified');
  });
});
