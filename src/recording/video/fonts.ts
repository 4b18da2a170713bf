import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';

/**
 * The monospace font videos are drawn with: DejaVu Sans Mono, shipped in resources/fonts (its
 * licence beside it) so a video looks the same on every computer, whatever fonts it has.
 */
export const FONT_FAMILY = 'Vigil Terminal Mono';
const FONT_FILES = ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf'];

export class FontNotFoundError extends Error {
  override name = 'FontNotFoundError';
}

/** Where the font folder can be: the packaged app's resources, or resources/ of the source tree. */
export function fontDirCandidates(): string[] {
  const dirs: string[] = [];
  // Electron sets this in a packaged app, where resources/fonts is copied as an extra resource.
  const { resourcesPath } = process as { resourcesPath?: string };
  if (resourcesPath) dirs.push(join(resourcesPath, 'fonts'));
  // From src/recording/video (tests, bench, gateway) or a bundle in out/…: walk up to the project.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) dirs.push(join(dir, 'resources', 'fonts'));
  return dirs;
}

let registeredFrom: string | null = null;

/** Registers the bundled font once per process; returns the folder it came from. */
export function registerTerminalFont(fontDir?: string): string {
  if (registeredFrom) return registeredFrom;
  const dirs = fontDir ? [fontDir] : fontDirCandidates();
  const found = dirs.find((d) => FONT_FILES.every((file) => existsSync(join(d, file))));
  if (!found) throw new FontNotFoundError(`The terminal font is missing; looked in ${dirs.join(', ')}`);
  for (const file of FONT_FILES) {
    if (!GlobalFonts.registerFromPath(join(found, file), FONT_FAMILY))
      throw new FontNotFoundError(`Could not load the terminal font ${join(found, file)}`);
  }
  registeredFrom = found;
  return found;
}
