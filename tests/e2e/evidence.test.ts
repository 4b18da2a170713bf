import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingChromium } from '../support/browser';
import { finishedSession, seedDataDir } from '../support/gateway';
import { writeRecording } from '../support/sessionLogsSeed';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * Evidence bundles end to end: sessions ticked in the Remote sessions list of the app in Chromium
 * are exported from a real gateway process as one bundle, which the library lists as Verified;
 * one byte changed on disk makes the re-check name that very file.
 */
const skip = missingChromium();
const STARTED = Date.parse('2026-05-04T10:00:00Z');

describe.skipIf(skip !== null)(`Evidence bundles ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let e2e: E2E;
  let page: Page;
  let sessionIds: number[];

  const bundleRow = () => page.getByTestId('evidence-bundle-row');

  beforeAll(async () => {
    e2e = await startE2E({});
    const sessions = [];
    for (let n = 0; n < 3; n++) {
      const recording = await writeRecording(
        e2e.gateway.dataDir,
        `evidence-e2e-${n}`,
        Array.from({ length: 30 }, (_, i) => ({ atMs: i * 200, output: `case file ${n}.${i}\r\n` })),
        { startedAt: new Date(STARTED + n * 3_600_000) },
      );
      sessions.push(
        finishedSession('carol', STARTED + n * 3_600_000, {
          device: `vault-${n}`,
          durationMs: recording.durationMs,
          endedAt: STARTED + n * 3_600_000 + recording.durationMs,
          recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
        }),
      );
    }
    sessionIds = (await seedDataDir(e2e.gateway.dataDir, { sessions })).sessionIds;
    page = await e2e.openApp();
    await page.getByTestId('login-screen').waitFor();
    await signIn(e2e, page, 'admin', e2e.gateway.adminPassword);
  });

  afterAll(async () => {
    await e2e?.close();
  });

  it('exports the sessions ticked in the list as one bundle, listed as Verified in the library', async () => {
    const [a, , c] = sessionIds;
    await page.getByTestId('evidence-select').click();
    for (const id of [a, c]) {
      const row = page.getByTestId(`session-row-${id}`);
      await row.waitFor();
      await row.locator('.n-checkbox').click();
    }
    const exportButton = page.getByTestId('evidence-export');
    await expect.poll(() => exportButton.innerText()).toContain('(2)');
    await exportButton.click();
    const dialog = page.getByTestId('evidence-dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('evidence-count').innerText()).toContain('2 sessions');
    await dialog.getByTestId('evidence-format-folder').click();
    await dialog.getByTestId('evidence-start').click();
    const result = dialog.getByTestId('evidence-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.getAttribute('data-status')).toBe('verified');
    await e2e.screenshot(page, '60-evidence-exported');
    await dialog.getByTestId('evidence-close').click();

    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-screen').waitFor();
    await expect.poll(() => bundleRow().count()).toBe(1);
    expect(await bundleRow().getAttribute('data-status')).toBe('verified');
    expect(await bundleRow().getAttribute('data-sessions')).toBe(`${a},${c}`);
  });

  it('names the file whose byte was changed on disk when the bundle is verified again', async () => {
    const [, , c] = sessionIds;
    const path = (await bundleRow().getAttribute('data-path'))!;
    const recording = join(path, 'sessions', String(c), 'recording.vrec');
    const bytes = readFileSync(recording);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(recording, bytes);

    await bundleRow().getByTestId('evidence-recheck').click();
    await expect.poll(() => bundleRow().getAttribute('data-status')).toBe('altered');
    await bundleRow().getByTestId('evidence-show-files').click();
    const file = page.locator(`[data-testid="evidence-file"][data-path="sessions/${c}/recording.vrec"]`);
    await file.waitFor();
    expect(await file.getAttribute('data-status')).toBe('changed');
    // Problems come first: the changed recording heads the list.
    expect(await page.getByTestId('evidence-file').first().getAttribute('data-path')).toBe(
      `sessions/${c}/recording.vrec`,
    );
    // The drawer slides in: the screenshot waits until it rests against the window's edge.
    await expect
      .poll(async () => {
        const box = await page.locator('.n-drawer').boundingBox();
        return box ? Math.round(box.x + box.width) : 0;
      })
      .toBe(page.viewportSize()!.width);
    await e2e.screenshot(page, '61-evidence-altered');
  });
});
