import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { missingChromium } from '../support/browser';
import { grantOperatorSsh } from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { connectOperator, openShell, type Terminal } from '../gateway/sshTestbed';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * End to end: an operator's real SSH session through the gateway PROCESS to a real sshd;
 * the auditor, in the desktop app's real renderer in Chromium, opens Live Stream from the list,
 * watches, holds the operator's input, releases it and drops the session.
 */
const skip = missingChromium() ?? sshdSkipReason();
const OPERATOR_PASSWORD = 'operator-passphrase-1';

describe.skipIf(skip !== null)(`Live Stream in the desktop app ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let e2e: E2E;
  let page: Page;
  let operator: Client;
  let shell: Terminal;
  let sessionId: number;

  const terminalText = () => page.getByTestId('live-terminal').locator('.xterm-rows').innerText();
  /** Types a line as the operator, the way a person at a terminal would. */
  const type = (line: string) => shell.send(`${line}\r`);

  beforeAll(async () => {
    sshd = await startSshd();
    e2e = await startE2E({});
    await grantOperatorSsh(
      e2e.gateway,
      { name: 'web-01', sshd },
      { login: 'opal', name: 'Opal Operator', password: OPERATOR_PASSWORD },
    );

    operator = await connectOperator(e2e.gateway.sshPort, `opal@${sshd.user}@web-01`, {
      password: OPERATOR_PASSWORD,
    });
    shell = await openShell(operator, { cols: 100, rows: 30 });
    type('echo before-join-$((6*7))');
    await shell.waitFor('before-join-42');

    page = await e2e.openApp();
    await signIn(e2e, page, 'admin', e2e.gateway.adminPassword);
    const row = page.locator('[data-testid^="session-row-"][data-status="live"]');
    await row.first().waitFor();
    sessionId = Number((await row.first().getAttribute('data-testid'))!.replace('session-row-', ''));
  });

  afterAll(async () => {
    operator?.end();
    await e2e?.close();
    await sshd?.stop();
  });

  it('opens Live Stream from the list and shows the current screen, then what follows', async () => {
    await page.getByTestId(`action-liveStream-${sessionId}`).click();
    await page.getByTestId('live-viewer').waitFor();
    await expect.poll(terminalText, { timeout: 15_000 }).toContain('before-join-42');
    type('echo after-join-$((7*6))');
    await expect.poll(terminalText, { timeout: 15_000 }).toContain('after-join-42');
    await e2e.screenshot(page, '10-live-stream');
  });

  it('holds the operator input ("Hold on!") so a typed command never runs, then releases it', async () => {
    const marker = `blocked-${Date.now()}`;
    await page.getByTestId('live-hold').click();
    await shell.waitFor(OPERATOR_MESSAGES.blocked);
    await expect.poll(() => page.getByTestId('live-interactivity').getAttribute('data-blocked')).toBe('true');
    await e2e.screenshot(page, '11-live-hold-on');

    type(`touch ~/${marker}`);
    // A window change travels on the same channel after that line and passes while blocked: once
    // the viewer shows it, the gateway had the line (and held it back) before the release.
    shell.channel.setWindow(31, 101, 0, 0);
    await expect
      .poll(() => page.getByTestId('live-terminal').locator('.xterm-rows > div').count(), { timeout: 15_000 })
      .toBe(31);

    const released = shell.mark();
    // The same switch releases: clicking its label is enough.
    await page.getByTestId('live-hold-label').click();
    await shell.waitFor(OPERATOR_MESSAGES.released, 10_000, released);
    await expect
      .poll(() => page.getByTestId('live-interactivity').getAttribute('data-blocked'))
      .toBe('false');

    type(`test -e ~/${marker} && echo marker-present || echo marker-absent`);
    await shell.waitFor('marker-absent', 10_000, released);
    await expect.poll(terminalText).toContain('marker-absent');
    expect(existsSync(join(sshd.home, marker))).toBe(false);
  });

  it('drops the session after confirmation: both legs end, the operator is told', async () => {
    await page.getByTestId('live-drop').click();
    await expect.poll(() => page.getByTestId('drop-confirm-text').innerText()).toBe('Drop this session?');
    await page.getByTestId('drop-confirm-yes').click();
    await page.getByTestId('live-drop-done').waitFor();
    expect(await page.getByTestId('live-drop-done').innerText()).toBe('Session interrupted');
    await shell.waitFor(OPERATOR_MESSAGES.dropped);
    await shell.closed;
    await page.getByTestId('live-ended').waitFor();
    await expect
      .poll(() => page.getByTestId('live-interactivity').innerText())
      .toBe('Dropped by Administrator');
    await e2e.screenshot(page, '12-live-dropped');
  });

  it('lists the released block in the Blocked users report', async () => {
    await page.getByTestId('live-close').click();
    // The list names how the session ended, and who ended it.
    await expect
      .poll(() => page.getByTestId(`end-reason-${sessionId}`).innerText())
      .toMatch(/Dropped\s+by Administrator/);
    await page.getByTestId('nav-blocks').click();
    await page.getByTestId('blocked-users-table').waitFor();
    await page.getByTestId('blocks-filter-all').click();
    const row = page.locator('[data-testid^="block-row-"]').first();
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('released');
    expect(await row.innerText()).toContain('opal');
    await e2e.screenshot(page, '13-blocked-users');
  });
});
