import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/gateway/datadir';
import { RasterRecordingReader } from '../../src/recording';
import { missingChromium } from '../support/browser';
import { DESKTOP, writeDesktopRecording } from '../support/desktopRecording';
import { finishedSession, seedDataDir } from '../support/gateway';
import { missingProgram } from '../support/programs';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * Video of session for an RDP session, end to end: a real gateway process seals and serves a
 * desktop recording, the app's main-process services download, verify and play it in the bridge
 * host, and the real renderer in Chromium draws it on a canvas, pixel for pixel as recorded.
 */
const skip = missingChromium() ?? missingProgram('ffmpeg', 'ffprobe');
const run = promisify(execFile);
const STARTED = Date.parse('2026-10-07T14:00:00Z');

describe.skipIf(skip !== null)(
  `Video of an RDP session in the desktop app ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let e2e: E2E;
    let page: Page;
    let sessionId: number;
    let reader: RasterRecordingReader;

    const clock = () => page.getByTestId('player-clock').innerText();
    const canvas = () => page.getByTestId('player-desktop');
    /** RGBA of canvas pixels as the page drew them, at screen coordinates. */
    const pixels = (points: [number, number][]) =>
      canvas().evaluate(
        (element: HTMLCanvasElement, at) =>
          at.map(([x, y]) => [...element.getContext('2d')!.getImageData(x, y, 1, 1).data]),
        points,
      );
    const canvasSize = () =>
      canvas().evaluate((element: HTMLCanvasElement) => [element.width, element.height]);

    /** The recorded screen at `atMs` at the same points. */
    async function recorded(atMs: number, points: [number, number][]): Promise<number[][]> {
      const state = await reader.stateAt(atMs);
      return points.map(([x, y]) => [
        ...state.pixels.subarray((y * state.width + x) * 4, (y * state.width + x) * 4 + 4),
      ]);
    }

    /** A grid over the screen, through the text, the panel and the background. */
    const grid = (width: number, height: number): [number, number][] =>
      Array.from({ length: 48 }, (_, i) => [
        Math.floor(((i % 8) + 0.5) * (width / 8)),
        Math.floor((Math.floor(i / 8) + 0.5) * (height / 6)),
      ]);

    beforeAll(async () => {
      e2e = await startE2E({ sessions: [] });
      const recording = await writeDesktopRecording(
        join(ensureDataDir(e2e.gateway.dataDir).recordings, 'e2e-desk.vrec'),
        {
          sessionId: 'e2e-desk',
          startedAt: new Date(STARTED),
        },
      );
      reader = await RasterRecordingReader.open(recording.path);
      const seeded = await seedDataDir(e2e.gateway.dataDir, {
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
      page = await e2e.openApp();
      await page.getByTestId('login-screen').waitFor();
      await signIn(e2e, page, 'admin', e2e.gateway.adminPassword);
      await page.getByTestId('sessions-screen').waitFor();
    });

    afterAll(async () => {
      await reader?.close();
      await e2e?.close();
    });

    it('downloads the recording, checks its signature and shows the desktop as recorded', async () => {
      await page.getByTestId(`action-video-${sessionId}`).click();
      await page.getByTestId('video-key-prompt').waitFor();
      await page.getByTestId('video-key-trust').click();
      await page.getByTestId('player').waitFor();
      expect(await page.getByTestId('player-verification').getAttribute('data-status')).toBe('verified');
      await canvas().waitFor();
      expect(await page.getByTestId('live-terminal').count()).toBe(0);
      await expect.poll(clock).toMatch(/^0:00 \/ 0:30$/);
      await expect.poll(() => page.getByTestId('player-marker').count()).toBe(3);
      expect(await page.getByTestId('player-search-unavailable').innerText()).toMatch(/recorded as pictures/);
      expect(await page.getByTestId('player-search-input').count()).toBe(0);
      const points = grid(DESKTOP.width, DESKTOP.height);
      await expect.poll(() => pixels(points)).toEqual(await recorded(0, points));
    });

    it('shows the screen at a marker and where the seek bar is dropped, pixel for pixel', async () => {
      const points = grid(DESKTOP.width, DESKTOP.height);
      await page.locator(`[data-testid="player-marker"][data-at="${DESKTOP.releaseAtMs}"]`).click();
      await expect.poll(clock).toMatch(/^0:07 \//);
      await expect.poll(() => pixels(points)).toEqual(await recorded(DESKTOP.releaseAtMs, points));

      const { x, y, width, height } = DESKTOP.orange;
      const panel: [number, number][] = [[x + width / 2, y + height / 2], ...points];
      await page.getByTestId('player-seek').fill('24000');
      await expect.poll(clock).toMatch(/^0:24 \//);
      await expect.poll(() => pixels(panel)).toEqual(await recorded(24_000, panel));
      expect((await pixels(panel))[0]).toEqual([...DESKTOP.orange.colour, 255]);
      await e2e.screenshot(page, '33-video-rdp');
    });

    it('plays on into the grown screen, scaled to the pane', async () => {
      await page.getByTestId('player-seek').fill('25500');
      await expect.poll(clock).toMatch(/^0:25 \//);
      await page.getByTestId('player-play').click();
      await expect.poll(canvasSize, { timeout: 15_000 }).toEqual([DESKTOP.grown.width, DESKTOP.grown.height]);
      await expect.poll(clock, { timeout: 15_000 }).toMatch(/^0:(2[89]|30) \//);
      await page.getByTestId('player-play').click();
      const green = DESKTOP.green;
      const centre: [number, number] = [green.x + green.width / 2, green.y + green.height / 2];
      await expect.poll(() => pixels([centre])).toEqual([[...green.colour, 255]]);
      const box = await canvas().boundingBox();
      const pane = await canvas().locator('..').boundingBox();
      expect(box!.width / box!.height).toBeCloseTo(DESKTOP.grown.width / DESKTOP.grown.height, 1);
      expect(box!.width === pane!.width || box!.height === pane!.height).toBe(true);
    });

    it('copies the screen as a picture', async () => {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: new URL(page.url()).origin,
      });
      await page.getByTestId('player-copy').click();
      const copied = () =>
        page.evaluate(async () => {
          const [item] = await navigator.clipboard.read();
          if (!item?.types.includes('image/png')) return null;
          const image = await createImageBitmap(await item.getType('image/png'));
          return [image.width, image.height];
        });
      await expect.poll(copied).toEqual([DESKTOP.grown.width, DESKTOP.grown.height]);
      expect(await page.getByTestId('player-play').innerText()).toBe('Play');
    });

    it('exports an MP4 of the desktop from the player', async () => {
      await page.getByTestId('player-export').click();
      await page.getByTestId('export-dialog').waitFor();
      expect(await page.getByTestId('export-format-asciicast').getAttribute('class')).toMatch(/disabled/);
      const download = page.waitForEvent('download', { timeout: 120_000 });
      await page.getByTestId('export-start').click();
      await page.getByTestId('export-saved').waitFor({ timeout: 120_000 });
      const name = (await download).suggestedFilename();
      expect(name).toBe(`vigil-session-${sessionId}-20261007-140000.mp4`);
      const file = join(e2e.downloads, name);
      await (await download).saveAs(file);
      const { stdout } = await run('ffprobe', [
        '-v',
        'error',
        '-print_format',
        'json',
        '-show_streams',
        file,
      ]);
      const [stream] = (
        JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[] }
      ).streams;
      expect(stream).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
      await page.getByTestId('export-close').click();
    });
  },
);
