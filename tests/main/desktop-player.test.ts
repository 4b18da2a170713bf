import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../../src/main/services';
import { ITEM_FILES } from '../../src/main/services/library/library';
import { DesktopPlayer } from '../../src/main/services/player/desktop-player';
import { RasterRecordingReader, type RasterState } from '../../src/recording';
import {
  IPC_ERROR,
  type IpcChannel,
  type PlayerDesktopFramesPage,
  type PlayerDesktopScreen,
  type PlayerInfo,
} from '../../src/shared/ipc';
import { decodeFrame } from '../../src/shared/rdpWire';
import { RemoteScreen } from '../../src/shared/rdpScreen';
import { intBelow, prng } from '../support/prng';
import { DESKTOP, writeDesktopRecording, type DesktopRecording } from '../support/desktopRecording';
import { NoSecrets } from './helpers/services';

const appInfo = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;
const ITEM = 's31-desktop';

/** The first pixel where two screens differ, or null when they are the same. */
function firstDifference(
  actual: { width: number; height: number; pixels: Uint8Array | Uint8ClampedArray },
  expected: RasterState,
): string | null {
  if (actual.width !== expected.width || actual.height !== expected.height)
    return `size ${actual.width}x${actual.height}, expected ${expected.width}x${expected.height}`;
  const a = Buffer.from(actual.pixels.buffer, actual.pixels.byteOffset, actual.pixels.byteLength);
  const b = Buffer.from(expected.pixels.buffer, expected.pixels.byteOffset, expected.pixels.byteLength);
  if (a.equals(b)) return null;
  let at = 0;
  while (a[at] === b[at]) at++;
  const pixel = at >> 2;
  return `pixel ${pixel % actual.width},${Math.floor(pixel / actual.width)} differs`;
}

/** A wire `screen` frame (base64) as width, height and RGBA. */
function screenOf(frame: string) {
  const decoded = decodeFrame(Buffer.from(frame, 'base64'));
  if (decoded.kind !== 'screen') throw new Error(`a ${decoded.kind} frame, not a screen`);
  return { width: decoded.width, height: decoded.height, pixels: inflateRawSync(decoded.deflated) };
}

describe('desktop recordings in the player', () => {
  let dir: string;
  let services: MainServices;
  let recording: DesktopRecording;
  let reader: RasterRecordingReader;
  let info: PlayerInfo;

  const call = (channel: IpcChannel, ...args: unknown[]) => services.handlers[channel](...args);
  const value = async <T>(channel: IpcChannel, ...args: unknown[]): Promise<T> => {
    const result = await call(channel, ...args);
    if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  };
  const errorOf = async (channel: IpcChannel, ...args: unknown[]) => {
    const result = await call(channel, ...args);
    return result.ok ? null : result.error;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-desktop-player-'));
    services = createMainServices({
      userDataDir: dir,
      secrets: new NoSecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'exports')),
      events: () => undefined,
      appInfo,
    });
    // What a finished download leaves in the library: the recording and the item's facts.
    const itemDir = services.library.itemDir(ITEM);
    mkdirSync(itemDir, { recursive: true });
    const path = join(itemDir, ITEM_FILES.recording);
    recording = await writeDesktopRecording(path);
    writeFileSync(
      join(itemDir, ITEM_FILES.meta),
      JSON.stringify({ version: 1, item: { itemId: ITEM, sessionId: 31, protocol: 'rdp' }, publicKey: null }),
    );
    reader = await RasterRecordingReader.open(path);
    info = await value<PlayerInfo>('player:open', { itemId: ITEM });
  });

  afterAll(async () => {
    await reader?.close();
    await services?.player.closeAll();
    services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens as a desktop with its size, duration, markers, activity and idle spells', () => {
    expect(info).toMatchObject({
      kind: 'desktop',
      width: DESKTOP.width,
      height: DESKTOP.height,
      durationMs: DESKTOP.durationMs,
    });
    expect(info.markers).toEqual([
      { atMs: DESKTOP.blockAtMs, kind: 'block', note: 'held by ana' },
      { atMs: DESKTOP.releaseAtMs, kind: 'release', note: 'ana' },
      { atMs: DESKTOP.dropAtMs, kind: 'drop', note: 'dropped by ana' },
    ]);
    expect(info.activity).toHaveLength(600);
    expect(info.activity.reduce((a, b) => a + b, 0)).toBe(recording.bitmapBytes);
    expect(info.idleGaps).toEqual([DESKTOP.idleGap]);
  });

  it('answers the screen at any time exactly as the recording rebuilds it', async () => {
    expect(reader.keyframes.length).toBeGreaterThan(3);
    const random = prng(31);
    const times = [
      0,
      DESKTOP.orange.atMs - 1,
      DESKTOP.orange.atMs,
      DESKTOP.resizeAtMs,
      DESKTOP.durationMs,
      ...reader.keyframes.map((k) => k.tMs),
      ...Array.from({ length: 25 }, () => intBelow(random, DESKTOP.durationMs + 1)),
    ];
    for (const atMs of times) {
      const screen = await value<PlayerDesktopScreen>('player:desktopAt', { playerId: info.playerId, atMs });
      const expected = await reader.stateAt(atMs);
      expect(screen).toMatchObject({
        atMs,
        width: expected.width,
        height: expected.height,
        blocked: expected.blocked,
      });
      expect(firstDifference(screenOf(screen.frame), expected), `at ${atMs} ms`).toBeNull();
    }
    const blocked = await value<PlayerDesktopScreen>('player:desktopAt', {
      playerId: info.playerId,
      atMs: 5_000,
    });
    expect(blocked.blocked).toBe(true);
    const past = await value<PlayerDesktopScreen>('player:desktopAt', {
      playerId: info.playerId,
      atMs: 999_999,
    });
    expect(past.atMs).toBe(DESKTOP.durationMs);
  });

  it('plays on from a screen with the recorded rectangles, as a viewer rebuilds them, across the resize', async () => {
    for (const [fromMs, toMs] of [
      [0, 6_000],
      [3_210, 16_000],
      [20_000, DESKTOP.durationMs],
    ] as const) {
      const start = await value<PlayerDesktopScreen>('player:desktopAt', {
        playerId: info.playerId,
        atMs: fromMs,
      });
      const viewer = new RemoteScreen(start.width, start.height);
      await viewer.push(Buffer.from(start.frame, 'base64'), () => undefined);
      let cursor: string | null = null;
      let frames = 0;
      do {
        const page: PlayerDesktopFramesPage = await value('player:desktopFrames', {
          playerId: info.playerId,
          fromMs,
          toMs,
          ...(cursor ? { cursor } : {}),
        });
        for (const frame of page.frames) {
          expect(frame.atMs).toBeGreaterThan(fromMs);
          expect(frame.atMs).toBeLessThanOrEqual(toMs);
          await viewer.push(Buffer.from(frame.frame, 'base64'), () => undefined);
        }
        frames += page.frames.length;
        cursor = page.next;
      } while (cursor !== null);
      expect(frames).toBeGreaterThan(10);
      expect(
        firstDifference(viewer.framebuffer, await reader.stateAt(toMs)),
        `${fromMs}..${toMs}`,
      ).toBeNull();
    }
  });

  it('cuts a window into pages that lose and repeat nothing, even between rectangles of one moment', async () => {
    const player = await DesktopPlayer.open(reader.path);
    try {
      const whole = await player.frames(0, DESKTOP.durationMs, null, Infinity);
      const paged: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await player.frames(0, DESKTOP.durationMs, cursor, 4096);
        paged.push(...page.frames.map((f) => `${f.atMs}:${f.frame}`));
        cursor = page.next;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBeGreaterThan(10);
      expect(paged).toEqual(whole.frames.map((f) => `${f.atMs}:${f.frame}`));
      // The resize comes as the whole screen at that time, bigger.
      const resized = whole.frames.find((f) => f.atMs === DESKTOP.resizeAtMs);
      expect(screenOf(resized!.frame)).toMatchObject(DESKTOP.grown);
    } finally {
      await player.close();
    }
  });

  it('refuses terminal requests on a desktop and a malformed cursor, and plays no more once closed', async () => {
    for (const [channel, args] of [
      ['player:screenAt', { playerId: info.playerId, atMs: 0 }],
      ['player:events', { playerId: info.playerId, fromMs: 0, toMs: 10 }],
      ['player:search', { playerId: info.playerId, q: 'ls' }],
    ] as const) {
      const error = await errorOf(channel, args);
      expect(error?.code, channel).toBe(IPC_ERROR.validation);
      expect(error?.message).toMatch(/remote desktop/);
    }
    const bad = [
      { playerId: info.playerId, fromMs: 0, toMs: 10, cursor: '1.2.3' },
      { playerId: info.playerId, fromMs: -1, toMs: 10 },
      { playerId: info.playerId, fromMs: 0 },
    ];
    for (const args of bad)
      expect((await errorOf('player:desktopFrames', args))?.code).toBe(IPC_ERROR.validation);
    const other = await value<PlayerInfo>('player:open', { itemId: ITEM });
    expect(await value('player:close', other.playerId)).toBeNull();
    expect((await errorOf('player:desktopAt', { playerId: other.playerId, atMs: 0 }))?.code).toBe(
      IPC_ERROR.playerNotFound,
    );
  });
});
