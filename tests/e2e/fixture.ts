import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBridgeHost, type BridgeHost } from '../../src/main/bridge/host';
import { launchChromium } from '../support/browser';
import {
  REPO_ROOT,
  seedDataDir,
  startGatewayProcess,
  type GatewayProcess,
  type SeedSpec,
} from '../support/gateway';

/** Screenshots of the main screens are kept as test artifacts here. */
export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');

export interface E2E {
  gateway: GatewayProcess;
  bridge: BridgeHost;
  browser: Browser;
  /** Where tests save what the browser downloaded. */
  downloads: string;
  /** A fresh page on the app (its own browser context: own localStorage). */
  openApp(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real system for browser tests: a gateway PROCESS with seeded data, the desktop app's
 * main-process services in the bridge host (real keychain, real pinned HTTPS), and the built
 * renderer in Debian's Chromium.
 */
export async function startE2E(seed: SeedSpec): Promise<E2E> {
  const gateway = await startGatewayProcess();
  const home = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const downloads = join(home, 'downloads');
  mkdirSync(downloads);
  let bridge: BridgeHost | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    await seedDataDir(gateway.dataDir, seed);
    bridge = await startBridgeHost({
      port: 0,
      userDataDir: join(home, 'user-data'),
      gatewayUrl: gateway.url,
    });
    chromium = await launchChromium();
  } catch (error) {
    await bridge?.close();
    await gateway.stop();
    throw error;
  }
  const { browser } = chromium;
  const bridgeHost = bridge;
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    gateway,
    bridge: bridgeHost,
    browser,
    downloads,
    async openApp() {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => console.error('[page error]', error));
      // The address the bridge prints: the page reads the run's secret from its fragment.
      await page.goto(bridgeHost.appUrl);
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await chromium?.close();
      await bridgeHost.close();
      await gateway.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in through the login form as a person would. On the first connection the app shows the
 * gateway certificate's fingerprint and asks whether to trust it: this compares it with the one
 * the gateway printed at start, and only then trusts it.
 */
export async function signIn(e2e: E2E, page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  const question = page.getByTestId('cert-trust-dialog');
  const signedIn = page.getByTestId('logout');
  await question.or(signedIn).first().waitFor();
  if (await question.isVisible()) {
    const shown = (await page.getByTestId('cert-trust-fingerprint').innerText()).trim();
    if (shown !== e2e.gateway.fingerprint) {
      throw new Error(`The app shows fingerprint ${shown}, the gateway printed ${e2e.gateway.fingerprint}`);
    }
    await page.getByTestId('cert-trust').click();
  }
  await signedIn.waitFor();
}
