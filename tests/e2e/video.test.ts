import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/gateway/datadir';
import { RecordingWriter, type FinishedRecording } from '../../src/recording';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir } from '../support/gateway';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * Video of session end to end: a real gateway process seals and serves a real recording, the
 * desktop app's main-process services download it into the library and play it in the bridge
 * host, and the real renderer in Chromium opens the screen from the Remote sessions list.
 */
const skip = missingChromium();
const STARTED = Date.parse('2026-10-06T09:00:00Z');
const LINES = 90;
/** One line a second; the operator ran a command at 20 s, was blocked at 50 s, deployed at 70 s. */
const COMMAND_AT = 20;
const BLOCK_AT = 50;
const DEPLOY_AT = 70;

const lineAt = (second: number): string => {
  if (second === COMMAND_AT) return '$ ls /srv/vault';
  if (second === BLOCK_AT) return '$ rm -rf /srv/vault';
  if (second === DEPLOY_AT) return '$ deploy zebra-release';
  return `output line ${second}`;
};

/** A recording as the SSH proxy writes it, markers included, its clock driven by the lines. */
async function writeVideo(dataDir: string): Promise<FinishedRecording> {
  let now = 0;
  const writer = new RecordingWriter({
    path: join(ensureDataDir(dataDir).recordings, 'e2e-video.rec'),
    sessionId: 'e2e-video',
    cols: 100,
    rows: 30,
    startedAt: new Date(STARTED),
    now: () => now,
  });
  for (let second = 0; second < LINES; second += 1) {
    now = second * 1000;
    writer.output(Buffer.from(`${lineAt(second)}\r\n`, 'utf8'));
    if (second === COMMAND_AT) writer.marker('command', 'ls /srv/vault');
    if (second === BLOCK_AT) writer.marker('block', 'rm -rf /srv/vault');
  }
  return writer.close();
}

describe.skipIf(skip !== null)(
  `Video of session in the desktop app ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let e2e: E2E;
    let page: Page;
    let sessionId: number;

    const terminalText = () => page.getByTestId('live-terminal').locator('.xterm-rows').innerText();
    const clock = () => page.getByTestId('player-clock').innerText();

    beforeAll(async () => {
      e2e = await startE2E({ sessions: [] });
      const recording = await writeVideo(e2e.gateway.dataDir);
      const seeded = await seedDataDir(e2e.gateway.dataDir, {
        sessions: [
          finishedSession('alice', STARTED, {
            device: 'vault-01',
            credential: 'root',
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
      await e2e?.close();
    });

    it('downloads the recording from the list’s Video action and asks to trust the signing key', async () => {
      await page.getByTestId(`action-video-${sessionId}`).click();
      await page.getByTestId('video-screen').waitFor();
      expect(await page.getByTestId('video-title').innerText()).toContain(`#${sessionId}`);
      expect(await page.getByTestId('sessions-screen').isVisible()).toBe(false);

      // The player waits for the key question, so the finished download stays on screen meanwhile.
      await page.getByTestId('video-key-prompt').waitFor();
      await page.getByTestId('video-download').waitFor();
      await expect
        .poll(() => page.getByTestId('video-download-bar').getAttribute('data-percent'))
        .toBe('100');
      expect(await page.getByTestId('video-download-progress').innerText()).toMatch(/\d/);
      const keyId = (await page.getByTestId('video-key-id').innerText()).trim();
      expect(keyId).toMatch(/^[0-9a-f]{64}$/);

      await page.getByTestId('video-key-trust').click();
      await page.getByTestId('player').waitFor();
      expect(await page.getByTestId('video-key-prompt').count()).toBe(0);
      expect(await page.getByTestId('player-verification').getAttribute('data-status')).toBe('verified');
    });

    it('shows the recording’s screen at a marker, at the next marker and where the seek bar is dropped', async () => {
      const markers = page.getByTestId('player-marker');
      await expect.poll(() => markers.count()).toBe(2);
      await expect.poll(clock).toMatch(/^0:00 \/ 1:29$/);

      await page.locator(`[data-testid="player-marker"][data-at="${COMMAND_AT * 1000}"]`).click();
      await expect.poll(terminalText).toContain('$ ls /srv/vault');
      expect(await terminalText()).not.toContain(`output line ${COMMAND_AT + 1}`);
      await expect.poll(clock).toMatch(/^0:20 \//);

      await page.getByTestId('player-next-marker').click();
      await expect.poll(terminalText).toContain('$ rm -rf /srv/vault');
      expect(await terminalText()).not.toContain(`output line ${BLOCK_AT + 1}`);
      await expect.poll(clock).toMatch(/^0:50 \//);

      await page.getByTestId('player-seek').fill('35000');
      await expect.poll(terminalText).toContain('output line 35');
      expect(await terminalText()).not.toContain('output line 36');
      expect(await terminalText()).not.toContain('$ rm -rf /srv/vault');
      await expect.poll(clock).toMatch(/^0:35 \//);
    });

    it('moves the time and the screen while playing', async () => {
      await page.getByTestId('player-play').click();
      await expect.poll(clock, { timeout: 15_000 }).not.toMatch(/^0:35 \//);
      await expect.poll(terminalText, { timeout: 15_000 }).toContain('output line 36');
      await page.getByTestId('player-play').click();
      await expect.poll(() => page.getByTestId('player-play').innerText()).toBe('Play');
      await e2e.screenshot(page, '30-video-player');
    });

    it('finds a word in the recording and shows the moment of the hit', async () => {
      await page.getByTestId('player-search-input').fill('zebra');
      await page.getByTestId('player-search').click();
      const hits = page.getByTestId('player-hit');
      await expect.poll(() => hits.count()).toBe(1);
      expect(await hits.first().innerText()).toContain('deploy zebra-release');
      await hits.first().click();
      await expect.poll(terminalText).toContain('$ deploy zebra-release');
      expect(await terminalText()).not.toContain(`output line ${DEPLOY_AT + 1}`);
      await expect.poll(clock).toMatch(/^1:10 \//);
      await e2e.screenshot(page, '31-video-search');
    });

    it('changes the speed', async () => {
      const speed = page.getByTestId('player-speed');
      expect(await speed.innerText()).toContain('1×');
      await speed.click();
      await page.locator('.n-base-select-option', { hasText: /^2×$/ }).click();
      await expect.poll(() => speed.innerText()).toContain('2×');
      await page.getByTestId('player-play').click();
      await expect.poll(clock, { timeout: 15_000 }).not.toMatch(/^1:10 \//);
      await page.getByTestId('player-play').click();
    });

    it('goes back to the Remote sessions list', async () => {
      await page.getByTestId('video-back').click();
      await page.getByTestId('sessions-screen').waitFor();
      expect(await page.getByTestId('video-screen').count()).toBe(0);
      await page.getByTestId(`action-video-${sessionId}`).waitFor();
    });
  },
);
