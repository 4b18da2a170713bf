import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, keyId } from '../../src/recording/manifest';
import { missingChromium } from '../support/browser';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { connectOperator, openShell } from '../gateway/sshTestbed';
import { grantOperatorSsh } from '../support/gateway';
import { waitFor } from '../support/wait';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * The Library end to end: an operator's real SSH session through the gateway PROCESS to a real
 * sshd is recorded and sealed; the app downloads it through Video of session, and the Library in
 * Chromium verifies it, notices a flipped byte, imports a copy signed by a key nobody trusts, and
 * still lists and plays with nobody signed in and the gateway stopped.
 */
const skip = missingChromium() ?? sshdSkipReason();
const OPERATOR_PASSWORD = 'operator-passphrase-lib';

/** An operator logs in through the gateway, runs one command and leaves: a finished, sealed session. */
async function recordSession(e2e: E2E, sshd: TestSshd): Promise<void> {
  await grantOperatorSsh(
    e2e.gateway,
    { name: 'ledger-db', sshd },
    { login: 'bruno', name: 'Bruno Operator', password: OPERATOR_PASSWORD },
  );
  const operator = await connectOperator(e2e.gateway.sshPort, `bruno@${sshd.user}@ledger-db`, {
    password: OPERATOR_PASSWORD,
  });
  try {
    const shell = await openShell(operator, { cols: 100, rows: 30 });
    shell.send('echo library-$((6*7))\r');
    await shell.waitFor('library-42');
    shell.send('exit\r');
    await shell.closed;
  } finally {
    operator.end();
  }
}

/** Drops files on the page the way a file manager does: a drop event carrying a DataTransfer. */
async function dropFiles(
  page: Page,
  testId: string,
  files: { name: string; bytes: Buffer }[],
): Promise<void> {
  await page.evaluate(
    ({ target, sent }) => {
      const transfer = new DataTransfer();
      for (const file of sent) {
        const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name));
      }
      const element = document.querySelector(`[data-testid="${target}"]`);
      if (!element) throw new Error(`Nothing to drop on: ${target}`);
      element.dispatchEvent(new DragEvent('dragenter', { bubbles: true, dataTransfer: transfer }));
      element.dispatchEvent(
        new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }),
      );
    },
    { target: testId, sent: files.map((f) => ({ name: f.name, base64: f.bytes.toString('base64') })) },
  );
}

describe.skipIf(skip !== null)(`The recordings library ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let e2e: E2E;
  let page: Page;
  let sessionId: number;
  let itemId: string;

  const rowOf = (p: Page, selector: string) => p.locator(`[data-testid="library-row"]${selector}`);
  const downloadedRow = (p: Page) => rowOf(p, `[data-item="${itemId}"]`);
  const recordingPath = () => e2e.bridge.services.library.files(itemId).recording;

  beforeAll(async () => {
    sshd = await startSshd();
    e2e = await startE2E({});
    await recordSession(e2e, sshd);
    page = await e2e.openApp();
    await page.getByTestId('login-screen').waitFor();
    await signIn(e2e, page, 'admin', e2e.gateway.adminPassword);
    const finished = page.locator('[data-testid^="session-row-"][data-status="finished"]');
    // The gateway seals the recording as the session ends; the list shows it finished then.
    await waitFor(
      async () => {
        await page.getByTestId('sessions-refresh').click();
        await page.getByTestId('sessions-refresh').locator('.n-base-loading').waitFor({ state: 'detached' });
        return (await finished.count()) === 1;
      },
      'the operator’s session to be listed as finished',
      20_000,
    );
    sessionId = Number((await finished.getAttribute('data-testid'))!.replace('session-row-', ''));
  });

  afterAll(async () => {
    await e2e?.close();
    await sshd?.stop();
  });

  it('lists a recording downloaded through Video of session as Verified', async () => {
    await page.getByTestId(`action-video-${sessionId}`).click();
    await page.getByTestId('video-key-trust').click();
    await page.getByTestId('player').waitFor();
    await page.getByTestId('video-back').click();

    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-screen').waitFor();
    const row = rowOf(page, `[data-session="${sessionId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    itemId = (await row.getAttribute('data-item'))!;
    expect(await row.getAttribute('data-status')).toBe('verified');
    const text = await row.innerText();
    expect(text).toContain('bruno');
    expect(text).toContain('ledger-db');
    expect(text).toContain(new URL(e2e.gateway.url).host);

    await row.getByTestId('library-info').click();
    const drawer = page.getByTestId('library-drawer');
    await expect
      .poll(() => drawer.getByTestId('library-drawer-manifest').innerText())
      .toContain(
        readFileSync(join(e2e.bridge.services.library.itemDir(itemId), 'manifest.json'), 'utf8').match(
          /"sha256":\s*"([0-9a-f]{64})"/,
        )![1]!,
      );
    expect(await drawer.getByTestId('library-drawer-events').innerText()).toContain('Video Download');
    // The drawer slides in: the screenshot waits until it rests against the window's edge.
    await expect
      .poll(async () => {
        const box = await page.locator('.n-drawer').boundingBox();
        return box ? Math.round(box.x + box.width) : 0;
      })
      .toBe(page.viewportSize()!.width);
    await e2e.screenshot(page, '40-library-info');
    await page.keyboard.press('Escape');
    await expect.poll(() => drawer.count()).toBe(0);
  });

  it('shows Altered after one byte of the copy on disk is flipped and the recording is re-checked', async () => {
    const original = readFileSync(recordingPath());
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    writeFileSync(recordingPath(), flipped);

    await downloadedRow(page).getByTestId('library-recheck').click();
    await expect.poll(() => downloadedRow(page).getAttribute('data-status')).toBe('altered');
    await page.getByTestId('library-filter-altered').click();
    await expect.poll(() => page.getByTestId('library-row').count()).toBe(1);
    await e2e.screenshot(page, '41-library-altered');
    await page.getByTestId('library-filter-all').click();

    writeFileSync(recordingPath(), original);
    await page.getByTestId('library-recheck-all').click();
    await expect.poll(() => downloadedRow(page).getAttribute('data-status')).toBe('verified');
  });

  it('imports a dropped copy whose manifest another key signed, as Unknown key', async () => {
    const dir = e2e.bridge.services.library.itemDir(itemId);
    const other = generateKeyPairSync('ed25519');
    const manifest = {
      ...(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>),
      gatewayKeyId: keyId(other.publicKey),
    };
    const signature = sign(
      null,
      Buffer.from(canonicalJson(manifest as Parameters<typeof canonicalJson>[0])),
      createPrivateKey(other.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    );
    await dropFiles(page, 'library-screen', [
      { name: `session-${sessionId}.vrec`, bytes: readFileSync(join(dir, 'recording.vrec')) },
      { name: `session-${sessionId}.manifest.json`, bytes: Buffer.from(JSON.stringify(manifest)) },
      { name: `session-${sessionId}.manifest.sig`, bytes: Buffer.from(signature.toString('base64')) },
      {
        name: 'sender.pem',
        bytes: Buffer.from(other.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
      },
    ]);
    const done = page.getByTestId('library-import-done');
    await done.waitFor();
    expect(await done.getAttribute('data-status')).toBe('unknown-key');
    expect(await done.innerText()).toContain('Unknown key');
    const imported = rowOf(page, '[data-status="unknown-key"]');
    await expect.poll(() => imported.count()).toBe(1);
    expect(await imported.innerText()).toContain('Imported');
    await e2e.screenshot(page, '42-library-import');
  });

  it('with nobody signed in and the gateway stopped, still lists and plays', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('library-back-to-login').waitFor();
    await e2e.gateway.stop();

    const fresh = await e2e.openApp();
    await fresh.getByTestId('login-screen').waitFor();
    await fresh.getByTestId('open-library').click();
    await fresh.getByTestId('library-screen').waitFor();
    await expect.poll(() => fresh.getByTestId('library-row').count()).toBe(2);
    expect(await fresh.getByTestId('logout').count()).toBe(0);
    await expect.poll(() => downloadedRow(fresh).getAttribute('data-status')).toBe('verified');

    await downloadedRow(fresh).getByTestId('library-play').click();
    await fresh.getByTestId('player').waitFor();
    // The moment the operator's command answered (a login shell may clear the screen on exit).
    await fresh.getByTestId('player-search-input').fill('library-42');
    await fresh.getByTestId('player-search').click();
    await fresh.getByTestId('player-hit').first().click();
    await expect
      .poll(() => fresh.getByTestId('live-terminal').locator('.xterm-rows').innerText())
      .toContain('library-42');
    expect(await fresh.getByTestId('player-verification').getAttribute('data-status')).toBe('verified');
    await fresh.getByTestId('video-back').click();
    await fresh.getByTestId('library-screen').waitFor();
    await fresh.getByTestId('library-back-to-login').click();
    await fresh.getByTestId('login-screen').waitFor();
    await fresh.context().close();
  });
});
