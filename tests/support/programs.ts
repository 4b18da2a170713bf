import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where CI sets VIGIL_REQUIRE_ALL=1, a missing system program fails the run instead of skipping. */
export const requireAll = process.env.VIGIL_REQUIRE_ALL === '1';

export function findProgram(
  name: string,
  extraDirs: string[] = ['/usr/sbin', '/usr/bin', '/sbin'],
): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a skip reason when a program is missing (use with `describe.skipIf(reason)`), or null.
 * Throws instead when VIGIL_REQUIRE_ALL=1, so CI cannot pass by skipping.
 */
export function missingProgram(...names: string[]): string | null {
  const missing = names.filter((n) => findProgram(n) === null);
  if (missing.length === 0) return null;
  const reason = `needs ${missing.join(', ')} (not installed)`;
  if (requireAll) throw new Error(`VIGIL_REQUIRE_ALL=1 but this test ${reason}`);
  return reason;
}

/** The secret service is reachable only inside scripts/with-keyring.sh. */
export function missingKeyring(): string | null {
  if (process.env.VIGIL_KEYRING === '1') return null;
  const reason = 'needs an unlocked gnome-keyring: run through scripts/with-keyring.sh';
  if (requireAll) throw new Error(`VIGIL_REQUIRE_ALL=1 but this test ${reason}`);
  return reason;
}
