import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Makes `dir` (and missing parents) and checks that only this user can enter it: a real folder,
 * not a symlink, owned by this user, mode 0700. A folder that another user made first (a classic
 * trap in a shared /tmp) is refused rather than used.
 */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} must be a folder, not a link or a file`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${dir} belongs to another user; choose another folder with --data`);
  }
  if (process.platform !== 'win32' && (stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  return dir;
}

/** The per-user settings folder the desktop app also uses (XDG on Linux), for the bridge's own data. */
export function defaultBridgeDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Vigil Bridge');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'Vigil Bridge');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'vigil-bridge');
}
