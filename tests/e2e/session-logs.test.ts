import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir } from '../support/gateway';
import { seedSessionLogs, writeRecording } from '../support/sessionLogsSeed';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * Session Logs end to end: a real gateway process renders the text of a real recording, the
 * desktop app's main-process services run in the bridge host, and the real renderer in Chromium
 * opens the screen from the Remote sessions list.
 */
const skip = missingChromium();
const STARTED = Date.parse('2026-10-05T14:00:00Z');
const LINES = 450;
/** Two lines a second; three of them, one on each text page, name the secret file. */
const SECRET_LINES = [5, 210, 420];

describe.skipIf(skip !== null)(`Session Logs in the desktop app ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let e2e: E2E;
  let page: Page;
  let sessionId: number;

  const counter = () => page.getByTestId('logs-hit-counter').innerText();
  const current = () => page.locator('[data-current="true"]').getAttribute('data-testid');

  beforeAll(async () => {
    e2e = await startE2E({
      sessions: [
        finishedSession('bob', STARTED - 86_400_000, { device: 'web-older' }),
        finishedSession('bob', STARTED + 86_400_000, { device: 'web-newer' }),
      ],
    });
    const recording = await writeRecording(
      e2e.gateway.dataDir,
      'e2e-session-logs',
      Array.from({ length: LINES }, (_, n) => ({
        atMs: n * 500,
        output: SECRET_LINES.includes(n)
          ? `$ grep -r Secret /srv/app # pass ${n}\r\n`
          : `output line ${n}\r\n`,
      })),
      { startedAt: new Date(STARTED) },
    );
    const seeded = await seedDataDir(e2e.gateway.dataDir, {
      sessions: [
        finishedSession('alice', STARTED, {
          device: 'db-prod-07',
          credential: 'postgres',
          originIp: '10.20.30.40',
          durationMs: recording.durationMs,
          endedAt: STARTED + recording.durationMs,
          recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
        }),
      ],
    });
    sessionId = seeded.sessionIds[0]!;
    await seedSessionLogs(e2e.gateway.dataDir, sessionId, STARTED, {
      commands: [
        { offsetMs: 1_000, command: 'ls -la' },
        { offsetMs: 101_000, command: 'cat /etc/secret.conf' },
        { offsetMs: 190_000, command: 'sudo rm -rf /var/lib/postgresql' },
      ],
      risky: [
        {
          offsetMs: 101_000,
          rule: 'reads secrets',
          score: 60,
          criticality: 'medium',
          action: 'allow',
          command: 'cat /etc/secret.conf',
        },
        {
          offsetMs: 190_000,
          rule: 'wipes a database',
          score: 95,
          criticality: 'critical',
          action: 'block',
          command: 'sudo rm -rf /var/lib/postgresql',
        },
      ],
    });
    page = await e2e.openApp();
    await page.getByTestId('login-screen').waitFor();
    await signIn(e2e, page, 'admin', e2e.gateway.adminPassword);
    await page.getByTestId('sessions-screen').waitFor();
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('opens from the list’s Logs action on the Session tab', async () => {
    await page.getByTestId(`action-logs-${sessionId}`).click();
    await page.getByTestId('session-logs-screen').waitFor();
    expect(await page.getByTestId('logs-title').innerText()).toBe(`Session Logs · session #${sessionId}`);
    expect(await page.getByTestId('sessions-screen').isVisible()).toBe(false);
    expect(await page.getByTestId('logs-fact-device').innerText()).toContain('db-prod-07');
    expect(await page.getByTestId('logs-fact-account').innerText()).toContain('postgres');
    expect(await page.getByTestId('logs-fact-endReason').innerText()).toContain('Finished');
    await e2e.screenshot(page, '20-session-logs');
  });

  it('shows the user tab', async () => {
    await page.getByTestId('logs-tab-user').click();
    await expect.poll(() => page.getByTestId('logs-fact-login').innerText()).toContain('alice');
    expect(await page.getByTestId('logs-fact-originIp').innerText()).toContain('10.20.30.40');
  });

  it('lists the risky commands with their rule, and sorts them by score', async () => {
    await page.getByTestId('logs-tab-risky').click();
    const rows = page.getByTestId('risky-row');
    await expect.poll(() => rows.count()).toBe(2);
    const rules = () => rows.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.rule));
    expect(await rules()).toEqual(['reads secrets', 'wipes a database']);
    const critical = rows.nth(1);
    expect(await critical.innerText()).toContain('sudo rm -rf /var/lib/postgresql');
    expect(await critical.locator('[data-criticality]').innerText()).toBe('Critical');
    expect(await critical.locator('[data-action]').innerText()).toBe('Blocked');
    await page.getByTestId('risky-table').locator('th', { hasText: 'Score' }).click();
    await expect.poll(rules).toEqual(['wipes a database', 'reads secrets']);
    await e2e.screenshot(page, '21-session-logs-risky');
  });

  it('lists the events, this reading among them', async () => {
    await page.getByTestId('logs-tab-events').click();
    const viewer = page.locator('[data-testid="event-row"][data-type="Log viewer"]');
    await viewer.first().waitFor();
    expect(await viewer.first().innerText()).toContain('Administrator');
  });

  it('shows the typed commands and the terminal text the gateway rendered from the recording', async () => {
    await page.getByTestId('logs-tab-log').click();
    await page.getByTestId('log-commands').waitFor();
    expect(await page.getByTestId('log-command-1').innerText()).toContain('cat /etc/secret.conf');
    expect(await page.getByTestId('log-line-7').innerText()).toContain('output line 7');
    expect(await page.getByTestId('log-range').innerText()).toMatch(/^Lines 1–200 of \d+$/);
  });

  it('searches the log: hits highlighted, next and previous move across pages', async () => {
    await page.getByTestId('logs-search-input').fill('secret');
    await page.getByTestId('logs-search-input').press('Enter');
    await expect.poll(counter).toBe('1 of 4');
    await expect.poll(current).toBe('log-line-5');
    expect(await page.getByTestId('log-line-5').locator('mark').innerText()).toBe('Secret');

    await page.getByTestId('logs-hit-next').click();
    await expect.poll(counter).toBe('2 of 4');
    await expect.poll(current).toBe('log-command-1');

    await page.getByTestId('logs-hit-next').click();
    await expect.poll(counter).toBe('3 of 4');
    await expect.poll(current).toBe('log-line-210');
    expect(await page.getByTestId('log-range').innerText()).toMatch(/^Lines 201–400 of \d+$/);
    await expect.poll(() => page.getByTestId('log-line-210').isVisible()).toBe(true);
    expect(await page.getByTestId('log-line-210').locator('mark').innerText()).toBe('Secret');
    await e2e.screenshot(page, '22-session-logs-search');

    await page.getByTestId('logs-hit-previous').click();
    await page.getByTestId('logs-hit-previous').click();
    await expect.poll(counter).toBe('1 of 4');
    await expect.poll(current).toBe('log-line-5');
    expect(await page.getByTestId('log-range').innerText()).toMatch(/^Lines 1–200 of \d+$/);
  });

  it('follows the language switch', async () => {
    await page.getByTestId('locale-switch').click();
    await expect.poll(() => page.getByTestId('logs-tab-log').innerText()).toBe('Log da sessão');
    expect(await page.getByTestId('logs-hit-counter').innerText()).toBe('1 de 4');
    await page.getByTestId('locale-switch').click();
    await expect.poll(() => page.getByTestId('logs-tab-log').innerText()).toBe('Session log');
  });

  it('goes back to the Remote sessions list', async () => {
    await page.getByTestId('logs-back').click();
    await page.getByTestId('sessions-screen').waitFor();
    expect(await page.getByTestId('session-logs-screen').count()).toBe(0);
    await page.getByTestId(`action-logs-${sessionId}`).waitFor();
  });
});
