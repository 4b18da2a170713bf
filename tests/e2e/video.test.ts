import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/gateway/datadir';
import { RecordingWriter, type FinishedRecording } from '../../src/recording';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir, withDataDir } from '../support/gateway';
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

    it('exports the recording as asciicast', async () => {
      await page.getByTestId('player-export').click();
      await page.getByTestId('export-dialog').waitFor();
      await page.getByTestId('export-format-asciicast').click();
      // In a browser the export is an ordinary download, saved where the browser saves downloads.
      const download = page.waitForEvent('download');
      await page.getByTestId('export-start').click();
      await page.getByTestId('export-saved').waitFor();
      await e2e.screenshot(page, '32-video-export');
      const name = (await download).suggestedFilename();
      expect(name).toBe(`vigil-session-${sessionId}-20261006-090000.cast`);
      const file = join(e2e.downloads, name);
      await (await download).saveAs(file);
      const [header, ...events] = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
      expect(header).toMatchObject({ version: 2, width: 100, height: 30, timestamp: STARTED / 1000 });
      const output = (events as [number, string, string][])
        .filter(([, code]) => code === 'o')
        .map(([, , data]) => data)
        .join('');
      expect(output).toContain('$ ls /srv/vault\r\n');
      expect(output).toContain('$ deploy zebra-release\r\n');
      expect(output).toContain(`output line ${LINES - 1}`);
      await page.getByTestId('export-close').click();
      await expect.poll(() => page.getByTestId('export-dialog').count()).toBe(0);
    });

    it('copies the text of the paused screen and plays full screen', async () => {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: new URL(page.url()).origin,
      });
      await page.getByTestId('player-search').click();
      await page.getByTestId('player-hit').first().click();
      await expect.poll(terminalText).toContain('$ deploy zebra-release');
      await page.getByTestId('player-copy').click();
      await expect
        .poll(() => page.evaluate(() => navigator.clipboard.readText()))
        .toContain('$ deploy zebra-release');
      expect(await page.getByTestId('player-play').innerText()).toBe('Play');

      const fullScreenPanel = () =>
        page.evaluate(() => (document.fullscreenElement as HTMLElement | null)?.dataset.testid ?? null);
      await page.getByTestId('player-full-screen').click();
      await expect.poll(fullScreenPanel).toBe('player');
      expect(await page.getByTestId('player-full-screen').innerText()).toBe('Exit full screen');
      await page.getByTestId('player-full-screen').click();
      await expect.poll(fullScreenPanel).toBe(null);
    });

    it('goes back to the Remote sessions list', async () => {
      await page.getByTestId('video-back').click();
      await page.getByTestId('sessions-screen').waitFor();
      expect(await page.getByTestId('video-screen').count()).toBe(0);
      await page.getByTestId(`action-video-${sessionId}`).waitFor();
    });

    const videoDownloads = (id: number) =>
      withDataDir(
        e2e.gateway.dataDir,
        async (store) => (await store.events.list({ type: 'Video Download', sessionId: id }, 0, 10)).total,
      );
    const bridgeDownload = async (id: number) => {
      const listed = await e2e.bridge.services.handlers['downloads:list']();
      return listed.ok ? listed.value.find((d) => d.sessionId === id) : undefined;
    };

    it('opens the video of the same session again at once, from the library, without a second download', async () => {
      await page.getByTestId(`action-video-${sessionId}`).click();
      await page.getByTestId('player').waitFor();
      expect(await page.getByTestId('video-download').count()).toBe(0);
      expect(await page.getByTestId('video-key-prompt').count()).toBe(0);
      expect(await page.getByTestId('player-verification').getAttribute('data-status')).toBe('verified');
      await expect.poll(terminalText).toContain('output line 0');
      expect(await videoDownloads(sessionId)).toBe(1);
      await page.getByTestId('video-back').click();
      await page.getByTestId('sessions-screen').waitFor();
    });

    it('Back during a download keeps it running; Video again joins it, and it plays once done', async () => {
      const second = await writeLines(e2e.gateway.dataDir, 'e2e-video-2', ['$ tail -f /var/log/kestrel.log']);
      const [otherId] = (
        await seedDataDir(e2e.gateway.dataDir, {
          sessions: [
            finishedSession('alice', STARTED + 3_600_000, {
              device: 'vault-02',
              durationMs: second.durationMs,
              endedAt: STARTED + 3_600_000 + second.durationMs,
              recording: { path: second.path, size: second.size, sha256: second.sha256 },
            }),
          ],
        })
      ).sessionIds;
      await page.getByTestId('sessions-refresh').click();
      await page.getByTestId(`action-video-${otherId}`).waitFor();

      // A gateway that stops answering holds the download mid-way, for as long as the test needs.
      e2e.gateway.child.kill('SIGSTOP');
      try {
        await page.getByTestId(`action-video-${otherId}`).click();
        await page.getByTestId('video-download').waitFor();
        await page.getByTestId('video-download-background').waitFor();
        await page.getByTestId('video-back').click();
        await page.getByTestId('sessions-screen').waitFor();
        expect((await bridgeDownload(otherId!))?.state).toMatch(/^(queued|running)$/);

        await page.getByTestId(`action-video-${otherId}`).click();
        await page.getByTestId('video-download').waitFor();
        expect((await bridgeDownload(otherId!))?.state).toMatch(/^(queued|running)$/);
      } finally {
        e2e.gateway.child.kill('SIGCONT');
      }
      await page.getByTestId('player').waitFor();
      await expect.poll(terminalText).toContain('$ tail -f /var/log/kestrel.log');
      expect((await bridgeDownload(otherId!))?.state).toBe('done');
      expect(await videoDownloads(otherId!)).toBe(1);
      await page.getByTestId('video-back').click();
      await page.getByTestId('sessions-screen').waitFor();
    });
  },
);

/** A short recording of `lines`, one a second. */
async function writeLines(dataDir: string, name: string, lines: string[]): Promise<FinishedRecording> {
  let now = 0;
  const writer = new RecordingWriter({
    path: join(ensureDataDir(dataDir).recordings, `${name}.rec`),
    sessionId: name,
    cols: 100,
    rows: 30,
    startedAt: new Date(STARTED),
    now: () => now,
  });
  lines.forEach((line, second) => {
    now = second * 1000;
    writer.output(Buffer.from(`${line}\r\n`, 'utf8'));
  });
  now = lines.length * 1000;
  return writer.close();
}
