import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir } from '../support/gateway';
import { adminLogin, apiCall } from '../support/gatewayHttp';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * The Audit trail screen end to end: a real gateway process (which signs a checkpoint of its
 * trail when a proof asks for one), the desktop app's main-process services in the bridge host and
 * the real renderer in Chromium.
 */
const skip = missingChromium();
const PASSWORD = 'ana-auditor-passphrase';
const STARTED = Date.parse('2026-11-10T09:00:00Z');

describe.skipIf(skip !== null)(
  `The Audit trail in the desktop app ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let e2e: E2E;
    let page: Page;

    beforeAll(async () => {
      e2e = await startE2E({});
      const seeded = await seedDataDir(e2e.gateway.dataDir, {
        users: [{ login: 'ana', name: 'Ana Auditor', role: 'PAM Auditor', password: PASSWORD }],
        sessions: [finishedSession('bob', STARTED, { device: 'db-prod-07' })],
      });
      // A proof makes the gateway sign the trail's head now rather than on its 10-minute timer.
      const token = await adminLogin(e2e.gateway);
      const proof = await apiCall(e2e.gateway, 'POST', '/audit/proof', token, {
        sessionIds: seeded.sessionIds,
      });
      expect(proof.status).toBe(200);
      page = await e2e.openApp();
      await page.getByTestId('login-screen').waitFor();
      await signIn(e2e, page, 'ana', PASSWORD);
      await page.getByTestId('sessions-screen').waitFor();
    });

    afterAll(async () => {
      await e2e?.close();
    });

    it('shows the newest events first and the chain intact up to the signed checkpoint', async () => {
      await page.getByTestId('nav-audit-trail').click();
      await page.getByTestId('audit-trail-screen').waitFor();
      const chain = page.getByTestId('audit-trail-chain');
      await expect.poll(() => chain.getAttribute('data-state')).toBe('intact');
      expect(await page.getByTestId('audit-trail-chain-text').innerText()).toMatch(
        /^Intact up to signed checkpoint 1: event \d+, signed /,
      );
      const first = page.locator('[data-testid^="audit-trail-row-"]').first();
      await first.waitFor();
      // Ana's own login is the newest event.
      expect(await first.innerText()).toMatch(/Login[\s\S]*ana/);
      await e2e.screenshot(page, '70-audit-trail');
    });

    it('"Check again" checks only what came in since and still finds the chain intact', async () => {
      await page.getByTestId('audit-trail-actor').fill('ana');
      await page.getByTestId('audit-trail-actor').press('Enter');
      await expect
        .poll(async () =>
          (await page.locator('[data-testid^="audit-trail-row-"]').allInnerTexts()).every((r) =>
            r.includes('ana'),
          ),
        )
        .toBe(true);
      await page.getByTestId('audit-trail-check-again').click();
      await expect
        .poll(() => page.getByTestId('audit-trail-chain').getAttribute('data-state'))
        .toBe('intact');
    });
  },
);
