import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { missingChromium } from '../support/browser';
import { grantOperatorRdp } from '../support/gateway';
import { startXrdp, XTERM_BACKGROUND, xrdpSkipReason, type XrdpTestbed } from '../support/xrdpTestbed';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * End to end with a real xrdp target: the operator works in the gateway's RDP page in Chromium
 * (typed commands run on the target), the auditor watches in the desktop app's real renderer,
 * holds the operator's input (a typed command never runs), releases it and drops the session; a
 * target that refuses the stored password gives the operator a clear error.
 */
const skip = missingChromium() ?? xrdpSkipReason();
const OPERATOR = { login: 'rhea', name: 'Rhea Operator', password: 'operator-passphrase-7' };
const SCREEN = { width: 1024, height: 768 };

const hexColour = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** RGBA of a pixel of the first canvas matching `selector`, as the page drew it. */
function pixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page
    .locator(selector)
    .evaluate(
      (canvas: HTMLCanvasElement, [px, py]) => [
        ...canvas.getContext('2d')!.getImageData(px!, py!, 1, 1).data,
      ],
      [x, y],
    );
}

describe.skipIf(skip !== null)(`RDP sessions ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let xrdp: XrdpTestbed;
  let e2e: E2E;
  let operatorPage: Page;
  let auditorPage: Page;
  let sessionId: number;
  const marker = () => join(xrdp.writableDir, `rdp-${randomBytes(4).toString('hex')}`);

  /**
   * Types a shell line into the remote xterm as the operator would, at the keyboard: capitals with
   * Shift held, since the page sends physical keys and the target's layout makes the characters.
   */
  async function typeLine(line: string): Promise<void> {
    await operatorPage.locator('canvas.remote-screen').focus();
    for (const ch of line) {
      if (/[A-Z]/.test(ch)) await operatorPage.keyboard.press(`Shift+Key${ch}`);
      else if (ch === '_') await operatorPage.keyboard.press('Shift+Minus');
      else await operatorPage.keyboard.type(ch);
    }
    await operatorPage.keyboard.press('Enter');
  }

  async function openDesktop(page: Page, choice: string): Promise<void> {
    await page.getByLabel('Target').selectOption({ label: choice });
    await page.getByLabel('Screen size').selectOption({ value: `${SCREEN.width}x${SCREEN.height}` });
    await page.getByRole('button', { name: 'Connect' }).click();
  }

  beforeAll(async () => {
    xrdp = await startXrdp();
    e2e = await startE2E({});
    await grantOperatorRdp(e2e.gateway, 'desk-01', xrdp, OPERATOR);
    const context = await e2e.browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 900 },
    });
    operatorPage = await context.newPage();
    operatorPage.on('pageerror', (error) => console.error('[operator page error]', error));
    await operatorPage.goto(`${e2e.gateway.url}/rdp/`);
    await operatorPage.getByLabel('Login').fill(OPERATOR.login);
    await operatorPage.getByLabel('Password').fill(OPERATOR.password);
    await operatorPage.getByRole('button', { name: 'Log in' }).click();
  }, 60_000);

  afterAll(async () => {
    await e2e?.close();
    await xrdp?.close();
  });

  it('opens the remote desktop in the page, and what the operator types runs on the target', async () => {
    await openDesktop(operatorPage, `${xrdp.user}@desk-01`);
    await expect
      .poll(() => operatorPage.locator('header .status').innerText(), { timeout: 20_000 })
      .toBe(`${xrdp.user}@desk-01`);
    // The session's xterm fills the screen with its background colour.
    await expect
      .poll(() => pixel(operatorPage, 'canvas.remote-screen', 600, 500), { timeout: 15_000 })
      .toEqual([...hexColour(XTERM_BACKGROUND), 255]);
    const file = marker();
    await typeLine(`touch ${file}`);
    await expect.poll(() => existsSync(file), { timeout: 15_000 }).toBe(true);
  });

  it('shows the auditor the operator screen at once in Live Stream', async () => {
    auditorPage = await e2e.openApp();
    await signIn(e2e, auditorPage, 'admin', e2e.gateway.adminPassword);
    const row = auditorPage.locator('[data-testid^="session-row-"][data-status="live"]');
    await row.first().waitFor();
    sessionId = Number((await row.first().getAttribute('data-testid'))!.replace('session-row-', ''));
    await auditorPage.getByTestId(`action-liveStream-${sessionId}`).click();
    await auditorPage.getByTestId('live-desktop').waitFor();
    await expect
      .poll(() => pixel(auditorPage, '[data-testid="live-desktop"]', 600, 500), { timeout: 15_000 })
      .toEqual([...hexColour(XTERM_BACKGROUND), 255]);
    await e2e.screenshot(auditorPage, '30-rdp-live-stream');
  });

  it('holds the operator input: a typed command never runs; released, it runs again', async () => {
    const held = marker();
    await auditorPage.getByTestId('live-hold').click();
    await expect
      .poll(() => operatorPage.locator('.banner').innerText(), { timeout: 10_000 })
      .toBe(OPERATOR_MESSAGES.blocked);
    await typeLine(`touch ${held}`);

    await auditorPage.getByTestId('live-hold-label').click();
    await expect
      .poll(() => operatorPage.locator('.banner').innerText(), { timeout: 10_000 })
      .toBe(OPERATOR_MESSAGES.released);
    const after = marker();
    await typeLine(`touch ${after}`);
    await expect.poll(() => existsSync(after), { timeout: 15_000 }).toBe(true);
    // The held line never reached the target: the shell only saw what came after the release.
    expect(existsSync(held)).toBe(false);
  });

  it('drops the session: the operator is told they were disconnected', async () => {
    await auditorPage.getByTestId('live-drop').click();
    await auditorPage.getByTestId('drop-confirm-yes').click();
    await auditorPage.getByTestId('live-drop-done').waitFor();
    await expect
      .poll(() => operatorPage.locator('.ended').innerText(), { timeout: 10_000 })
      .toContain(OPERATOR_MESSAGES.dropped);
    await auditorPage.getByTestId('live-ended').waitFor();
  });

  it('tells the operator when the target refuses the stored password', async () => {
    const cli = async (args: string[], stdin?: string) => {
      const result = await e2e.gateway.cli(args, stdin);
      expect(result.code, result.stderr).toBe(0);
    };
    await cli(['credential', 'add', 'desk-01', xrdp.user, '--password-stdin'], 'not-the-password\n');
    await operatorPage.getByRole('button', { name: 'Back to the targets' }).click();
    await openDesktop(operatorPage, `${xrdp.user}@desk-01`);
    await expect
      .poll(
        () =>
          operatorPage
            .locator('.ended')
            .innerText()
            .catch(() => ''),
        { timeout: 20_000 },
      )
      .toContain('the target refused the stored credential');
  });
});
