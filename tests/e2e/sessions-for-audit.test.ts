import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir } from '../support/gateway';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * Sessions for audit end to end: a real gateway process, the desktop app's main-process services
 * in the bridge host and the real renderer in Chromium. An auditor assigned to a session marks it
 * audited with a comment; the gateway keeps it and logs it as an audit event.
 */
const skip = missingChromium();
const PASSWORD = 'ana-auditor-passphrase';
const STARTED = Date.parse('2026-11-10T09:00:00Z');
const COMMENT = 'Commands match change CHG-2231; nothing unexpected';

describe.skipIf(skip !== null)(
  `Sessions for audit in the desktop app ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let e2e: E2E;
    let page: Page;
    let assigned: number;
    let other: number;

    beforeAll(async () => {
      e2e = await startE2E({});
      const seeded = await seedDataDir(e2e.gateway.dataDir, {
        users: [{ login: 'ana', name: 'Ana Auditor', role: 'PAM Auditor', password: PASSWORD }],
        sessions: [
          finishedSession('bob', STARTED, { device: 'db-prod-07', credential: 'postgres' }),
          finishedSession('bob', STARTED + 3_600_000, { device: 'web-02' }),
        ],
        auditors: [{ session: { index: 0 }, logins: ['ana'] }],
      });
      [assigned, other] = seeded.sessionIds as [number, number];
      page = await e2e.openApp();
      await page.getByTestId('login-screen').waitFor();
      await signIn(e2e, page, 'ana', PASSWORD);
      await page.getByTestId('sessions-screen').waitFor();
    });

    afterAll(async () => {
      await e2e?.close();
    });

    it('the main list names the auditors and filters the sessions assigned to me', async () => {
      await expect.poll(() => page.getByTestId(`auditors-${assigned}`).innerText()).toBe('Ana Auditor');
      await page.getByTestId(`session-row-${other}`).waitFor();
      await page.getByTestId('filter-assigned-to-me').click();
      await page.getByTestId('filter-apply').click();
      await page.getByTestId(`session-row-${other}`).waitFor({ state: 'detached' });
      expect(await page.getByTestId(`session-row-${assigned}`).isVisible()).toBe(true);
    });

    it('marks the assigned session audited with a comment', async () => {
      await page.getByTestId('nav-sessions-for-audit').click();
      await page.getByTestId('sessions-for-audit-screen').waitFor();
      await page.getByTestId(`audit-row-${assigned}`).waitFor();
      expect(await page.locator('[data-testid^="audit-row-"]').count()).toBe(1);
      expect(await page.getByTestId(`audit-toggle-${assigned}`).getAttribute('data-audited')).toBe('false');

      await page.getByTestId(`audit-edit-${assigned}`).click();
      await page.getByTestId('audit-mark-dialog').waitFor();
      await page.getByTestId('audit-mark-comment').fill(`  ${COMMENT}  `);
      await page.getByTestId('audit-mark-audited').click();
      await page.getByTestId('audit-mark-save').click();
      await page.getByTestId('audit-mark-dialog').waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId(`audit-comment-text-${assigned}`).innerText()).toBe(COMMENT);
      expect(await page.getByTestId(`audit-toggle-${assigned}`).getAttribute('data-audited')).toBe('true');
      await e2e.screenshot(page, '60-sessions-for-audit');
    });

    it('keeps the mark after the app reloads, under the Audited filter', async () => {
      await page.reload();
      const screen = page.getByTestId('login-screen').or(page.getByTestId('logout'));
      await screen.first().waitFor();
      if (await page.getByTestId('login-screen').isVisible()) await signIn(e2e, page, 'ana', PASSWORD);
      await page.getByTestId('nav-sessions-for-audit').click();
      await page.getByTestId('audit-filter-notAudited').click();
      await page.getByTestId('audit-empty').waitFor();
      await page.getByTestId('audit-filter-audited').click();
      await page.getByTestId(`audit-row-${assigned}`).waitFor();
      expect(await page.getByTestId(`audit-comment-text-${assigned}`).innerText()).toBe(COMMENT);
      expect(await page.getByTestId(`audit-toggle-${assigned}`).getAttribute('data-audited')).toBe('true');
    });

    it("shows the change among the session's events in Session Logs", async () => {
      await page.getByTestId(`audit-action-logs-${assigned}`).click();
      await page.getByTestId('session-logs-screen').waitFor();
      await page.getByTestId('logs-tab-events').click();
      const event = page.locator('[data-testid="event-row"][data-type="Audit status changed"]');
      await event.first().waitFor();
      expect(await event.count()).toBe(1);
      const row = await event.first().innerText();
      expect(row).toContain(`Audited: yes — ${COMMENT}`);
      expect(row).toContain('Ana Auditor');
    });
  },
);
