import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingChromium } from '../support/browser';
import { finishedSession, liveSession, type SeedSession } from '../support/gateway';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * The Remote sessions list end to end: a real gateway process with seeded sessions, the desktop
 * app's main-process services in the bridge host, and the real renderer in Chromium.
 */
const skip = missingChromium();
const AUDITOR_PASSWORD = 'pat-auditor-passphrase';
const HOUR = 3_600_000;
const base = Date.parse('2026-11-01T08:00:00Z');

// 45 SSH sessions by alice, 30 RDP sessions by bob; the two newest are live.
const sessions: SeedSession[] = [
  ...Array.from({ length: 45 }, (_, i) =>
    finishedSession('alice', base + i * 2 * HOUR, { device: `web-${i}` }),
  ),
  ...Array.from({ length: 30 }, (_, i) =>
    finishedSession('bob', base + (i * 2 + 1) * HOUR, {
      protocol: 'rdp',
      proxy: 'RDP Proxy',
      credential: 'Administrator',
      device: `win-${i}`,
    }),
  ),
  liveSession('alice', base + 200 * HOUR, { device: 'db-prod-01' }),
  liveSession('bob', base + 201 * HOUR, { protocol: 'rdp', proxy: 'RDP Proxy', device: 'win-ad-02' }),
];
const TOTAL = sessions.length;

describe.skipIf(skip !== null)(
  `Remote sessions in the desktop app ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let e2e: E2E;
    let page: Page;
    let liveId: number;
    let finishedId: number;

    const rows = () => page.locator('[data-testid^="session-row-"]');
    const totalText = () => page.getByTestId('sessions-total').innerText();
    const api = async (path: string, init: RequestInit = {}) => {
      const token = await adminToken();
      const response = await gatewayFetch(e2e, path, {
        ...init,
        headers: { authorization: `Bearer ${token}` },
      });
      return response.json() as Promise<Record<string, unknown>>;
    };
    let cachedToken: string | null = null;
    const adminToken = async () => {
      if (cachedToken !== null) return cachedToken;
      const response = await gatewayFetch(e2e, '/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: e2e.gateway.adminPassword }),
      });
      cachedToken = ((await response.json()) as { token: string }).token;
      return cachedToken;
    };

    async function login(username: string, password: string): Promise<void> {
      await page.getByTestId('login-screen').waitFor();
      await signIn(e2e, page, username, password);
      await page.getByTestId('sessions-screen').waitFor();
      await rows().first().waitFor();
    }

    /**
     * The list's cells matching `selector` whose text is wider than the cell (cut, or spilling into
     * the next column; the cell's own padding may be used), named by column; and how many were
     * looked at, so finding no cell is not a pass.
     */
    const cutTexts = (selector: string) =>
      page.getByTestId('sessions-table').evaluate((table, sel) => {
        const elements = [...table.querySelectorAll<HTMLElement>(sel)];
        const cut = elements
          .filter((el) => el.scrollWidth > el.clientWidth)
          .map(
            (el) =>
              `${el.closest('[data-col-key]')?.getAttribute('data-col-key')}: "${el.innerText}" ` +
              `(${el.scrollWidth} px in ${el.clientWidth} px)`,
          );
        return { checked: elements.length, cut };
      }, selector);

    async function applyFilters(): Promise<void> {
      await page.getByTestId('filter-apply').click();
      await page.waitForLoadState('networkidle');
    }

    beforeAll(async () => {
      e2e = await startE2E({
        users: [{ login: 'pat', name: 'Pat Auditor', role: 'PAM Auditor', password: AUDITOR_PASSWORD }],
        revoke: [{ role: 'PAM Auditor', permission: 'PAM.SessionManagement.Livestream' }],
        sessions,
      });
      const seeded = (await api('/api/v1/sessions?pageSize=500')) as {
        items: { id: number; status: string }[];
      };
      liveId = seeded.items.find((s) => s.status === 'live')!.id;
      finishedId = seeded.items.find((s) => s.status === 'finished')!.id;
      page = await e2e.openApp();
    });

    afterAll(async () => {
      await e2e?.close();
    });

    it('logs in and lists the seeded sessions, newest first, 30 a page', async () => {
      await page.getByTestId('login-screen').waitFor();
      await e2e.screenshot(page, '01-login');
      await login('admin', e2e.gateway.adminPassword);
      await expect.poll(() => rows().count()).toBe(30);
      expect(await totalText()).toContain(String(TOTAL));
      const first = await rows().first().getAttribute('data-status');
      expect(first).toBe('live');
      await expect.poll(() => page.getByTestId(`action-liveStream-${liveId}`).count()).toBe(1);
      // At 1440 px every column fits: End and Duration do not hide behind a horizontal scrollbar.
      const hidden = await page
        .getByTestId('sessions-table')
        .evaluate((table) =>
          Math.max(
            ...[...table.querySelectorAll('.n-scrollbar-container')].map(
              (s) => s.scrollWidth - s.clientWidth,
            ),
          ),
        );
      expect(hidden).toBeLessThanOrEqual(0);
      // Nor is a date, a time or a duration cut inside its column.
      const times = await cutTexts(
        'td[data-col-key="startedAt"], td[data-col-key="endedAt"], td[data-col-key="durationMs"]',
      );
      expect(times.checked).toBeGreaterThanOrEqual(3 * 30);
      expect(times.cut).toEqual([]);
      await e2e.screenshot(page, '02-remote-sessions');
    });

    it('filters by user', async () => {
      await page.getByTestId('filter-user').fill('alice');
      await applyFilters();
      await expect.poll(totalText).toContain('46');
      const users = await page.locator('[data-testid^="session-row-"]').allInnerTexts();
      expect(users.every((text) => text.includes('alice'))).toBe(true);
      await page.getByTestId('filter-reset').click();
      await expect.poll(totalText).toContain(String(TOTAL));
    });

    it('filters by protocol and exports the filtered list as CSV', async () => {
      await page.getByTestId('filter-protocol').click();
      await page.locator('.n-base-select-option', { hasText: 'RDP' }).click();
      await applyFilters();
      await expect.poll(totalText).toContain('31');
      const texts = await rows().allInnerTexts();
      expect(texts.length).toBe(30);
      expect(texts.every((text) => text.includes('RDP'))).toBe(true);

      // In a browser the export is an ordinary download, saved where the browser saves downloads.
      const download = page.waitForEvent('download');
      await page.getByTestId('export-csv').click();
      await page.getByTestId('export-done').waitFor();
      const file = join(e2e.downloads, (await download).suggestedFilename());
      expect(file).toMatch(/vigil-sessions-\d{8}-\d{6}\.csv$/);
      await (await download).saveAs(file);
      const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
      expect(lines[0]).toMatch(/^id,/i);
      expect(lines).toHaveLength(31 + 1);
      expect(lines.slice(1).every((line) => line.includes('rdp') || line.includes('RDP'))).toBe(true);
      await page.getByTestId('filter-reset').click();
      await expect.poll(totalText).toContain(String(TOTAL));
    });

    it('pages through the list', async () => {
      await page.getByTestId('pagination').locator('.n-pagination-item', { hasText: /^3$/ }).click();
      await expect.poll(() => rows().count()).toBe(TOTAL - 60);
      // Back one page with the "previous" button.
      await page.getByTestId('pagination').locator('.n-pagination-item--button').first().click();
      await expect.poll(() => rows().count()).toBe(30);
      const active = () => page.getByTestId('pagination').locator('.n-pagination-item--active').innerText();
      await expect.poll(active).toBe('2');
      await page.getByTestId('pagination').locator('.n-pagination-item--button').first().click();
      await expect.poll(active).toBe('1');
    });

    it('sets and clears Prevent Purge, with the justification required', async () => {
      await page.getByTestId(`action-preventPurge-${finishedId}`).click();
      const dialog = page.getByTestId('prevent-purge-dialog');
      await dialog.waitFor();
      await page.getByTestId('prevent-purge-justification').fill('   short  ');
      expect(await page.getByTestId('prevent-purge-save').isDisabled()).toBe(true);
      await page.getByTestId('prevent-purge-problem').waitFor();
      await page.getByTestId('prevent-purge-justification').fill('  Legal hold for incident INC-4711  ');
      await e2e.screenshot(page, '03-prevent-purge');
      await page.getByTestId('prevent-purge-save').click();
      await page.getByTestId(`purge-flag-${finishedId}`).locator('svg, .n-tag').first().waitFor();
      const set = (await api(`/api/v1/sessions/${finishedId}`)) as {
        preventPurge: { justification: string } | null;
      };
      expect(set.preventPurge?.justification).toBe('Legal hold for incident INC-4711');

      await page.getByTestId(`action-preventPurge-${finishedId}`).click();
      await page.getByTestId('prevent-purge-justification').fill('Hold lifted by legal on review');
      await page.getByTestId('prevent-purge-clear').click();
      await expect
        .poll(
          async () =>
            ((await api(`/api/v1/sessions/${finishedId}`)) as { preventPurge: unknown }).preventPurge,
        )
        .toBeNull();
    });

    it('configures the auditors of a session: add, save, remove', async () => {
      await page.getByTestId(`action-configureAuditors-${finishedId}`).click();
      await page.getByTestId('auditors-dialog').waitFor();
      await page.getByTestId('auditors-add').click();
      await page.getByTestId('auditors-select-0').click();
      await page.locator('.n-base-select-option', { hasText: 'Pat Auditor' }).click();
      await e2e.screenshot(page, '04-configure-auditors');
      await page.getByTestId('auditors-save').click();
      await page.getByTestId('auditors-dialog').waitFor({ state: 'hidden' });
      const logins = async () =>
        (
          (await api(`/api/v1/sessions/${finishedId}/auditors`)) as { auditors: { login: string }[] }
        ).auditors.map((a) => a.login);
      await expect.poll(logins).toEqual(['pat']);

      await page.getByTestId(`action-configureAuditors-${finishedId}`).click();
      await page.getByTestId('auditors-dialog').getByText('Pat Auditor').waitFor();
      await page.getByTestId('auditors-remove-0').click();
      await page.getByTestId('auditors-save').click();
      await page.getByTestId('auditors-dialog').waitFor({ state: 'hidden' });
      await expect.poll(logins).toEqual([]);
    });

    it('toggles the theme', async () => {
      const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
      const before = await theme();
      expect(['light', 'dark']).toContain(before);
      await page.getByTestId('theme-toggle').click();
      await expect.poll(theme).toBe(before === 'light' ? 'dark' : 'light');
      await e2e.screenshot(page, '05-theme-toggled');
    });

    it('switches the language to Portuguese (Brazil) and back', async () => {
      await page.getByTestId('locale-switch').click();
      await page.getByText('Sessões remotas').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('pt-BR');
      // The longer Portuguese titles wrap between words; none is cut.
      await page.locator('th[data-col-key="proxy"]', { hasText: 'Tipo de proxy' }).waitFor();
      const headers = await cutTexts('th[data-col-key]');
      expect(headers.checked).toBeGreaterThanOrEqual(14);
      expect(headers.cut).toEqual([]);
      await e2e.screenshot(page, '06-portuguese');
      await page.getByTestId('locale-switch').click();
      await page.getByText('Remote sessions').first().waitFor();
    });

    it('offers no Live Stream to a PAM Auditor whose role lacks Livestream', async () => {
      await page.getByTestId('logout').click();
      await login('pat', AUDITOR_PASSWORD);
      await page.getByTestId(`actions-${liveId}`).waitFor({ state: 'attached' });
      expect(await page.getByTestId(`action-liveStream-${liveId}`).count()).toBe(0);
      expect(await page.getByTestId(`action-drop-${liveId}`).count()).toBe(0);
      // Nor the Blocked users report, which needs the same permission.
      expect(await page.getByTestId('nav-blocks').count()).toBe(0);
      // What the role still holds stays offered.
      await page.getByTestId(`action-logs-${finishedId}`).waitFor();
      await page.getByTestId(`action-video-${finishedId}`).waitFor();
      await e2e.screenshot(page, '07-auditor-without-livestream');
    });
  },
);

/** A request straight to the gateway (to check what the UI did), trusting only its pinned certificate. */
async function gatewayFetch(e2e: E2E, path: string, init: RequestInit): Promise<Response> {
  const { request } = await import('node:https');
  const url = new URL(path, e2e.gateway.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string>,
        rejectUnauthorized: false,
        // A fresh, unresumed TLS session each time, so the peer certificate is always there to check.
        agent: false,
      },
      (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        if (cert.fingerprint256 !== e2e.gateway.fingerprint) {
          reject(new Error('gateway certificate does not match the fingerprint it printed'));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
      },
    );
    req.on('error', reject);
    if (typeof init.body === 'string') req.write(init.body);
    req.end();
  });
}
