import type { IpcHandlers, SecretStore } from '../../../src/main/services';
import type { IpcEventName, IpcEvents } from '../../../src/shared/ipc';
import type { Result } from '../../../src/shared/result';

/** One event main pushed to the renderer, as the tests' event sink records it. */
export type Pushed = { [E in IpcEventName]: { event: E; payload: IpcEvents[E] } }[IpcEventName];

/** For tests not about the keychain (keytar.test.ts is): nothing is remembered. */
export class NoSecrets implements SecretStore {
  async get() {
    return null;
  }
  async set() {}
  async delete() {
    return false;
  }
}

/** The value of an ok Result; a failed one throws with its code, so the test shows why. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * Signs in through the IPC handlers on the first profile, trusting the gateway's certificate (by its
 * known fingerprint) when the app asks to, as a user would on first use. Answers the profile's id.
 */
export async function signInTrusting(
  handlers: IpcHandlers,
  fingerprint: string,
  username: string,
  password: string,
): Promise<string> {
  const [profile] = value(await handlers['profiles:list']());
  const login = { profileId: profile!.id, username, password, remember: false };
  const first = await handlers['auth:login'](login);
  if (!first.ok && first.error.code === 'CERTIFICATE_NOT_TRUSTED') {
    value(await handlers['profiles:trustCertificate']({ profileId: profile!.id, fingerprint }));
    value(await handlers['auth:login'](login));
  } else {
    value(first);
  }
  return profile!.id;
}
