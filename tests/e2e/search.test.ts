import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir } from '../support/gateway';
import { seedSessionLogs, writeRecording } from '../support/sessionLogsSeed';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * Search across sessions end to end: a real gateway process indexes the typed commands and the
 * terminal text it rendered from real recordings, the desktop app's main-process services run in
 * the bridge host, and the real renderer in Chromium searches, then opens a hit in the player at
 * its moment and in Session Logs at its line.
 */
const skip = missingChromium();
const STARTED = Date.parse('2026-10-07T10:00:00Z');
const LINES = 300;
/** One line a second; at 4:10 the operator exported the quokka key, on the second text page. */
const TYPED_AT = 250;
const TYPED = 'gpg --export quokka > /tmp/keys';

/** Polls wait this long: the gateway, the bridge and Chromium share a busy machine. */
const SLOW = { timeout: 15_000 };

const lineAt = (second: number): string => (second === TYPED_AT ? `$ ${TYPED}` : `output line ${second}`);

describe.skipIf(skip !== null)(
  `Search across sessions in the desktop app ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let e2e: E2E;
    let page: Page;
    let sessionId: number;
    let otherId: number;

    const terminalText = () => page.getByTestId('live-terminal').locator('.xterm-rows').innerText();
    const clock = () => page.getByTestId('player-clock').innerText();
    const hits = () => page.getByTestId('search-hit');
    const hitOf = (kind: 'command' | 'text', id: number) =>
      page.locator(`[data-testid="search-hit"][data-kind="${kind}"][data-session-id="${id}"]`);

    /** Enter in the box; the gateway indexes in the background, so the first answers may be short. */
    async function searchUntil(words: string, count: number): Promise<void> {
      await page.getByTestId('search-input').fill(words);
      await expect
        .poll(
          async () => {
            await page.getByTestId('search-input').press('Enter');
            await page.getByTestId('search-submit').locator('.n-base-loading').waitFor({ state: 'detached' });
            return hits().count();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe(count);
    }

    beforeAll(async () => {
      e2e = await startE2E({ sessions: [] });
      const recording = await writeRecording(
        e2e.gateway.dataDir,
        'e2e-search',
        Array.from({ length: LINES }, (_, second) => ({
          atMs: second * 1000,
          output: `${lineAt(second)}\r\n`,
        })),
        { startedAt: new Date(STARTED) },
      );
      const other = await writeRecording(
        e2e.gateway.dataDir,
        'e2e-search-other',
        [{ atMs: 0, output: '$ echo quokka sighted\r\n' }],
        { startedAt: new Date(STARTED - 86_400_000) },
      );
      const seeded = await seedDataDir(e2e.gateway.dataDir, {
        sessions: [
          finishedSession('alice', STARTED, {
            device: 'vault-07',
            credential: 'root',
            durationMs: recording.durationMs,
            endedAt: STARTED + recording.durationMs,
            recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
          }),
          finishedSession('bob', STARTED - 86_400_000, {
            device: 'web-02',
            credential: 'deploy',
            durationMs: other.durationMs,
            endedAt: STARTED - 86_400_000 + other.durationMs,
            recording: { path: other.path, size: other.size, sha256: other.sha256 },
          }),
        ],
      });
      [sessionId, otherId] = seeded.sessionIds as [number, number];
      await seedSessionLogs(e2e.gateway.dataDir, sessionId, STARTED, {
        commands: [
          { offsetMs: 3_000, command: 'ls -la' },
          { offsetMs: TYPED_AT * 1000, command: TYPED },
        ],
      });
      page = await e2e.openApp();
      await page.getByTestId('login-screen').waitFor();
      await signIn(e2e, page, 'admin', e2e.gateway.adminPassword);
      await page.getByTestId('sessions-screen').waitFor();
      // The gateway renders a session's text when it finishes; these were seeded already finished,
      // so reading them once has it rendered (and then indexed) now.
      for (const id of [sessionId, otherId]) {
        const text = await e2e.bridge.services.handlers['logs:text']({ sessionId: id, offset: 0, limit: 1 });
        if (!text.ok) throw new Error(`No session text: ${text.error.message}`);
      }
    });

    afterAll(async () => {
      await e2e?.close();
    });

    it('finds a typed word in the commands and terminal text of every session, the word marked', async () => {
      await page.getByTestId('nav-search').click();
      await page.getByTestId('search-screen').waitFor();
      expect(await page.getByTestId('sessions-screen').isVisible()).toBe(false);
      await searchUntil('QUOKKA', 3);

      const groups = page.getByTestId('search-group');
      // Newest session first.
      expect(
        await groups.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.sessionId)),
      ).toEqual([String(sessionId), String(otherId)]);
      expect(await groups.first().getByTestId('search-group-user').innerText()).toContain('alice');
      expect(await groups.first().getByTestId('search-group-target').innerText()).toBe('root@vault-07');
      expect(await groups.first().getByTestId('search-group-protocol').innerText()).toBe('SSH');

      const command = hitOf('command', sessionId);
      expect(await command.getAttribute('data-at')).toBe(String(TYPED_AT * 1000));
      expect(await command.getByTestId('search-hit-snippet').innerText()).toBe(TYPED);
      expect(await command.getByTestId('search-hit-mark').allInnerTexts()).toEqual(['quokka']);
      expect(await command.getByTestId('search-hit-clock').innerText()).toBe('4:10');

      const text = hitOf('text', sessionId);
      expect(await text.getAttribute('data-line')).toBe(String(TYPED_AT));
      expect(await text.getByTestId('search-hit-snippet').innerText()).toContain(TYPED);
      expect(await text.getByTestId('search-hit-mark').allInnerTexts()).toEqual(['quokka']);
      expect(await page.getByTestId('search-total').innerText()).toBe('3 hits in 2 sessions on this page');
      await e2e.screenshot(page, '40-search');
    });

    it('narrows the hits with the list’s filters', async () => {
      await page.getByTestId('search-filter-user').fill('bob');
      await searchUntil('quokka', 1);
      expect(await hitOf('text', otherId).getByTestId('search-hit-snippet').innerText()).toBe(
        '$ echo quokka sighted',
      );
      await page.getByTestId('search-filters-reset').click();
      await searchUntil('quokka', 3);
    });

    it('plays the session from the moment of a hit', async () => {
      await hitOf('text', sessionId).getByTestId('search-hit-open').click();
      await page.getByTestId('video-screen').waitFor();
      expect(await page.getByTestId('video-title').innerText()).toContain(`#${sessionId}`);
      // A first video from this gateway asks to trust its signing key.
      await page.getByTestId('video-key-prompt').waitFor();
      await page.getByTestId('video-key-trust').click();
      await page.getByTestId('player').waitFor();
      await expect.poll(clock, SLOW).toMatch(/^4:10 \/ 4:59$/);
      await expect.poll(terminalText, SLOW).toContain(`$ ${TYPED}`);
      expect(await terminalText()).toContain(`output line ${TYPED_AT - 1}`);
      expect(await terminalText()).not.toContain(`output line ${TYPED_AT + 1}`);
      expect(await page.getByTestId('player-play').innerText()).toBe('Play');
      await e2e.screenshot(page, '41-search-video');
    });

    it('opens Session Logs at the line of a hit, and goes back to the hits', async () => {
      await page.getByTestId('video-back').click();
      await page.getByTestId('nav-search').click();
      await page.getByTestId('search-screen').waitFor();
      await hitOf('text', sessionId).getByTestId('search-hit-logs').click();
      await page.getByTestId('session-logs-screen').waitFor();
      const current = page.locator('[data-current="true"]');
      await expect.poll(() => current.getAttribute('data-testid'), SLOW).toBe(`log-line-${TYPED_AT}`);
      expect(await current.innerText()).toContain(TYPED);
      expect(await page.getByTestId('log-range').innerText()).toMatch(/^Lines 201–300 of 300$/);
      await expect.poll(() => current.isVisible(), SLOW).toBe(true);
      expect(await page.getByTestId('session-log').isVisible()).toBe(true);
      await e2e.screenshot(page, '42-search-logs');

      expect(await page.getByTestId('logs-back').innerText()).toBe('Back to Search');
      await page.getByTestId('logs-back').click();
      await page.getByTestId('search-screen').waitFor();
      expect(await hits().count()).toBe(3);
    });

    it('opens Session Logs on the command a hit matched', async () => {
      await hitOf('command', sessionId).getByTestId('search-hit-logs').click();
      await page.getByTestId('session-logs-screen').waitFor();
      const current = page.locator('[data-current="true"]');
      await expect.poll(() => current.getAttribute('data-testid'), SLOW).toBe('log-command-1');
      expect(await current.innerText()).toContain(TYPED);
      await page.getByTestId('logs-back').click();
      await page.getByTestId('search-screen').waitFor();
    });
  },
);
