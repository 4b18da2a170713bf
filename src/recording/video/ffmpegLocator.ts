import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import type { FfmpegSource, FfmpegStatus } from '../../shared/ipc';

export interface LocateFfmpegOptions {
  /** The app's own setting (a full path), tried first. */
  setting: string | null;
  /** Where FFMPEG_PATH and PATH are read. */
  env?: NodeJS.ProcessEnv;
  /**
   * The ffmpeg shipped in an npm package (@ffmpeg-installer/ffmpeg); left out, that package is
   * asked; null when there is none for this computer.
   */
  packageBinary?: string | null;
}

const VERSION_TIMEOUT_MS = 15_000;
const exe = (name: string): string => (process.platform === 'win32' ? `${name}.exe` : name);

/** The binary of @ffmpeg-installer/ffmpeg (an optional dependency), or why there is none. */
export function packagedFfmpeg(): { path: string | null; problem: string | null } {
  try {
    const require = createRequire(import.meta.url);
    const { path } = require('@ffmpeg-installer/ffmpeg') as { path: string };
    // In a packaged app the binary is unpacked beside the archive: a program cannot run from inside it.
    return { path: path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'), problem: null };
  } catch (err) {
    return {
      path: null,
      problem: `no ffmpeg package for this computer (${String(err instanceof Error ? err.message : err)})`,
    };
  }
}

/** The first PATH entry holding an executable `name`. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exe(name));
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs `path -version`: the version line when it is an ffmpeg that can encode H.264, else why not. */
export function checkFfmpeg(path: string): Promise<{ version: string | null; problem: string | null }> {
  return new Promise((resolve) => {
    execFile(path, ['-version'], { timeout: VERSION_TIMEOUT_MS, windowsHide: true }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const problem =
          code === 'ENOENT'
            ? 'not found'
            : code === 'EACCES'
              ? 'not executable'
              : `"-version" failed: ${err.message.split('\n')[0]}`;
        return resolve({ version: null, problem });
      }
      const version = stdout.split('\n')[0]!.trim();
      if (!/^ffmpeg version /.test(version))
        return resolve({ version: null, problem: 'not an ffmpeg program' });
      if (!stdout.includes('--enable-libx264'))
        return resolve({ version, problem: 'built without libx264, so it cannot make H.264 video' });
      resolve({ version, problem: null });
    });
  });
}

/**
 * Which ffmpeg MP4 export uses: the app's setting, then FFMPEG_PATH, then the npm package's
 * binary, then PATH; each candidate is run with -version, and every place looked at is reported
 * with why it was passed over.
 */
export async function locateFfmpeg(options: LocateFfmpegOptions): Promise<FfmpegStatus> {
  const env = options.env ?? process.env;
  const tried: FfmpegStatus['tried'] = [];
  const packaged =
    options.packageBinary === undefined
      ? packagedFfmpeg()
      : {
          path: options.packageBinary,
          problem: options.packageBinary ? null : 'no ffmpeg package for this computer',
        };
  const places: [FfmpegSource, () => { path: string | null; problem: string | null }][] = [
    ['setting', () => ({ path: options.setting, problem: options.setting ? null : 'not set' })],
    [
      'env',
      () => ({ path: env.FFMPEG_PATH || null, problem: env.FFMPEG_PATH ? null : 'FFMPEG_PATH is not set' }),
    ],
    ['package', () => packaged],
    [
      'path',
      () => {
        const path = findOnPath('ffmpeg', env);
        return { path, problem: path ? null : 'no ffmpeg on PATH' };
      },
    ],
  ];
  for (const [source, place] of places) {
    const { path, problem } = place();
    if (!path) {
      tried.push({ source, path: null, problem });
      continue;
    }
    const check = await checkFfmpeg(path);
    tried.push({ source, path, problem: check.problem });
    if (!check.problem) return { path, source, version: check.version, setting: options.setting, tried };
  }
  return { path: null, source: null, version: null, setting: options.setting, tried };
}

/** Every place looked at and why it failed, for the "no ffmpeg" message. */
export function describeTried(status: FfmpegStatus): string {
  return status.tried
    .map((t) => `${t.source}${t.path ? ` (${t.path})` : ''}: ${t.problem ?? 'works'}`)
    .join('; ');
}

/** ffprobe beside the chosen ffmpeg, else on PATH. */
export function findFfprobe(ffmpegPath: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const sibling = join(dirname(ffmpegPath), exe('ffprobe'));
  try {
    accessSync(sibling, constants.X_OK);
    return sibling;
  } catch {
    return findOnPath('ffprobe', env);
  }
}
