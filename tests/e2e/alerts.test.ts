import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeHost, type BridgeHost } from '../../src/main/bridge/host';
import { missingChromium } from '../support/browser';
import { grantOperatorSsh } from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait';
import { connectOperator, openShell, type Terminal } from '../gateway/sshTestbed';
import { startCuttingProxy, type CuttingProxy } from '../main/helpers/cuttingProxy';
import { signIn, startE2E, type E2E } from './fixture';

/**
 * End to end: an operator's real SSH session through the gateway PROCESS to a real sshd types a
 * command a `critical` rule matches; the auditor's app (the real renderer in Chromium, main-process
 * services in the bridge host) shows the alert and the Web Notification, which opens Live Stream.
 * An auditor who may not see that session hears nothing; alerts made while the app was cut off from
 * the gateway arrive, marked late, once it reconnects.
 */
const skip = missingChromium() ?? sshdSkipReason();
const OPERATOR_PASSWORD = 'operator-passphrase-1';
const NINA_PASSWORD = 'nina-passphrase-1';

interface RecordedNotification {
  title: string;
  body: string;
  silent: boolean;
}

declare global {
  interface Window {
    recordedNotifications?: RecordedNotification[];
    clickNotification?: (index: number) => void;
  }
}

/** Records what the page hands the Web Notifications API, and lets the test click one. */
function recordNotifications(): void {
  const shown: { record: RecordedNotification; onclick: (() => void) | null }[] = [];
  window.recordedNotifications = [];
  class Recorded {
    static permission = 'granted';
    static requestPermission = () => Promise.resolve('granted');
    onclick: (() => void) | null = null;
    constructor(title: string, options: { body?: string; silent?: boolean } = {}) {
      const record = { title, body: options.body ?? '', silent: options.silent ?? false };
      window.recordedNotifications!.push(record);
      shown.push(Object.defineProperty({ record, onclick: null }, 'onclick', { get: () => this.onclick }));
    }
    close(): void {}
  }
  window.clickNotification = (index) => shown[index]?.onclick?.();
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
}

describe.skipIf(skip !== null)(`Live alerts in the desktop app ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let e2e: E2E;
  let proxy: CuttingProxy;
  let auditorHost: BridgeHost;
  let auditorHome: string;
  let contexts: BrowserContext[] = [];
  let auditor: Page;
  let nina: Page;
  let operator: Client;
  let shell: Terminal;
  let sessionId: string | null = null;

  const type = (line: string) => shell.send(`${line}\r`);
  const items = (page: Page) => page.locator('[data-testid="alert-item"]');

  async function openApp(url: string): Promise<Page> {
    const context = await e2e.browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    await context.addInitScript(recordNotifications);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('[page error]', error));
    await page.goto(url);
    return page;
  }

  beforeAll(async () => {
    sshd = await startSshd();
    e2e = await startE2E({
      users: [{ login: 'nina', name: 'Nina Auditor', role: 'PAM Auditor', password: NINA_PASSWORD }],
      // Nina audits only the sessions she is listed on: none here.
      revoke: [
        { role: 'PAM Auditor', permission: 'PAM.SessionManagement.Livestream' },
        { role: 'PAM Auditor', permission: 'PAM.SessionManagement.Logs' },
      ],
    });
    await grantOperatorSsh(
      e2e.gateway,
      { name: 'web-01', sshd },
      { login: 'opal', name: 'Opal Operator', password: OPERATOR_PASSWORD },
    );
    const rule = await e2e.gateway.cli([
      'rule',
      'add',
      'wipe-audit',
      '--pattern',
      'wipe-audit-trail',
      '--score',
      '95',
      '--criticality',
      'critical',
      '--action',
      'allow',
    ]);
    if (rule.code !== 0) throw new Error(`rule add: ${rule.stderr}`);

    // The auditor's app reaches the gateway through a relay the test can cut, as a lost network would.
    proxy = await startCuttingProxy(Number(new URL(e2e.gateway.url).port));
    auditorHome = mkdtempSync(join(tmpdir(), 'vigil-e2e-alerts-'));
    auditorHost = await startBridgeHost({ port: 0, userDataDir: auditorHome, gatewayUrl: proxy.url });

    auditor = await openApp(auditorHost.appUrl);
    await signIn(e2e, auditor, 'admin', e2e.gateway.adminPassword);
    nina = await openApp(e2e.bridge.appUrl);
    await signIn(e2e, nina, 'nina', NINA_PASSWORD);
    await waitFor(
      () => auditorHost.services.alerts.connected && e2e.bridge.services.alerts.connected,
      'both apps to hold their alerts socket',
    );

    operator = await connectOperator(e2e.gateway.sshPort, `opal@${sshd.user}@web-01`, {
      password: OPERATOR_PASSWORD,
    });
    shell = await openShell(operator, { cols: 100, rows: 30 });
    type('echo ready-$((6*7))');
    await shell.waitFor('ready-42');
  });

  afterAll(async () => {
    operator?.end();
    for (const context of contexts) await context.close();
    contexts = [];
    await auditorHost?.close();
    await proxy?.close();
    await e2e?.close();
    await sshd?.stop();
    if (auditorHome) rmSync(auditorHome, { recursive: true, force: true });
  });

  it('shows the alert and the Web Notification when the operator types a critical command', async () => {
    const typedAt = Date.now();
    type('echo wipe-audit-trail-now');
    const badge = auditor.getByTestId('alerts-unread');
    await badge.waitFor({ timeout: 10_000 });
    console.info(`alert shown ${Date.now() - typedAt} ms after the command was typed`);
    expect(await badge.innerText()).toBe('1');

    await auditor.getByTestId('alerts-bell').click();
    await auditor.getByTestId('alert-centre').waitFor();
    const item = items(auditor).first();
    expect(await items(auditor).count()).toBe(1);
    expect(await item.getAttribute('data-late')).toBe('false');
    expect(await item.getByTestId('alert-criticality').innerText()).toBe('Critical');
    const text = await item.getByTestId('alert-text').innerText();
    expect(text).toContain('wipe-audit-trail-now');
    sessionId = await item.getAttribute('data-session-id');
    await e2e.screenshot(auditor, '60-alert-centre');
    await auditor.keyboard.press('Escape');
    await auditor.getByTestId('alert-centre').waitFor({ state: 'detached' });

    await expect
      .poll(() => auditor.evaluate(() => window.recordedNotifications))
      .toEqual([{ title: 'Risky command · critical — web-01', body: text, silent: false }]);
  });

  it('clicking the notification opens Live Stream of that session', async () => {
    expect(sessionId).toMatch(/^[0-9]+$/);
    await auditor.evaluate(() => window.clickNotification?.(0));
    const viewer = auditor.getByTestId('live-viewer');
    await viewer.waitFor();
    expect(await viewer.getAttribute('data-session-id')).toBe(sessionId);
    await expect
      .poll(() => auditor.getByTestId('live-terminal').locator('.xterm-rows').innerText(), {
        timeout: 15_000,
      })
      .toContain('wipe-audit-trail-now');
    await expect.poll(() => auditor.getByTestId('alerts-unread').count()).toBe(0);
    await e2e.screenshot(auditor, '61-alert-live-stream');
    await auditor.getByTestId('live-close').click();
    await viewer.waitFor({ state: 'detached' });
  });

  it('an auditor who may not see the session gets nothing', async () => {
    expect(e2e.bridge.services.alerts.connected).toBe(true);
    expect(await nina.getByTestId('alerts-unread').count()).toBe(0);
    await nina.getByTestId('alerts-bell').click();
    await nina.getByTestId('alerts-empty').waitFor();
    expect(await items(nina).count()).toBe(0);
    expect(await nina.evaluate(() => window.recordedNotifications)).toEqual([]);
    expect(e2e.bridge.services.alerts.list()).toEqual([]);
  });

  it('alerts made while the app was cut off arrive marked late on reconnect', async () => {
    proxy.setReachable(false);
    await waitFor(() => !auditorHost.services.alerts.connected, 'the alerts socket to drop');
    const from = shell.mark();
    type('echo wipe-audit-trail-offline-1');
    type('echo wipe-audit-trail-offline-2');
    await shell.waitFor(/wipe-audit-trail-offline-2\r?\n/, 10_000, from);
    // The gateway keeps them for the app: the auditor still has only the first one.
    await auditor.getByTestId('alerts-bell').click();
    await auditor.getByTestId('alert-centre').waitFor();
    expect(await items(auditor).count()).toBe(1);
    proxy.setReachable(true);

    await expect.poll(() => items(auditor).count(), { timeout: 30_000 }).toBe(3);
    const late = await items(auditor).evaluateAll((nodes) =>
      nodes.map((node) => [
        node.getAttribute('data-late'),
        node.querySelector('[data-testid="alert-text"]')?.textContent ?? '',
      ]),
    );
    expect(late.slice(0, 2).map(([flag]) => flag)).toEqual(['true', 'true']);
    expect(late[0]![1]).toContain('offline-2');
    expect(late[1]![1]).toContain('offline-1');
    expect(await auditor.getByTestId('alerts-unread').innerText()).toBe('2');
    // One summary instead of a notification per replayed alert.
    await expect
      .poll(() => auditor.evaluate(() => window.recordedNotifications?.map((n) => n.title)))
      .toEqual(['Risky command · critical — web-01', 'Missed alerts']);
    expect(await nina.evaluate(() => window.recordedNotifications)).toEqual([]);
  });
});
