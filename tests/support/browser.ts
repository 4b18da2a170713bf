import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { findProgram, missingProgram } from './programs';

export const CHROMIUM = findProgram('chromium') ?? '/usr/bin/chromium';

/** Skip reason when Debian's Chromium is missing (a failure under VIGIL_REQUIRE_ALL=1). */
export const missingChromium = (): string | null => missingProgram('chromium');

/**
 * Debian's Chromium, headless, with a throwaway profile (Playwright makes one per launch) and
 * throwaway config/cache folders. The
 * networking flags keep it from flooding this closed network with background connections.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
    },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
