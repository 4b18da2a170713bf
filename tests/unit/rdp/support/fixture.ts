import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeBitmapFixture, type FixtureRect } from '../../../support/rdpBitmapFixture';

/** Bitmaps captured from a real xrdp session (see tests/fixtures/rdp/README.md), when captured. */
export const XRDP_FIXTURE = fileURLToPath(new URL('../../../fixtures/rdp/xrdp-bitmaps.bin', import.meta.url));

/** The capture was taken on a screen of this size. */
export const XRDP_SCREEN = { width: 800, height: 600 } as const;

export function readCapturedRects(path = XRDP_FIXTURE): FixtureRect[] {
  return existsSync(path) ? decodeBitmapFixture(readFileSync(path)) : [];
}
