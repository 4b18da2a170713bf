import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE, KeytarSecretStore } from '../../src/main/services/secret-store';
import { missingKeyring } from '../support/programs';

const skip = missingKeyring();

describe.skipIf(skip !== null)(
  `KeytarSecretStore on a real gnome-keyring${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const store = new KeytarSecretStore();
    const accounts: string[] = [];
    const account = () => {
      const name = `vigil-test-${randomUUID()}`;
      accounts.push(name);
      return name;
    };
    afterAll(async () => {
      for (const name of accounts) await keytar.deletePassword(KEYCHAIN_SERVICE, name);
    });

    it('stores, reads and deletes a secret under the service "Vigil"', async () => {
      const name = account();
      const secret = JSON.stringify({ token: randomUUID(), expiresAt: '2030-01-01T00:00:00.000Z' });
      await store.set(name, secret);
      expect(await store.get(name)).toBe(secret);
      const found = await keytar.findCredentials('Vigil');
      expect(found).toContainEqual({ account: name, password: secret });
      expect(await store.delete(name)).toBe(true);
      expect(await store.get(name)).toBeNull();
      expect(await store.delete(name)).toBe(false);
    });

    it('overwrites an existing entry', async () => {
      const name = account();
      await store.set(name, 'first');
      await store.set(name, 'second ção 🙂');
      expect(await store.get(name)).toBe('second ção 🙂');
    });

    it('keeps accounts apart', async () => {
      const [a, b] = [account(), account()];
      await store.set(a, 'A');
      await store.set(b, 'B');
      await store.delete(a);
      expect(await store.get(a)).toBeNull();
      expect(await store.get(b)).toBe('B');
    });
  },
);

describe('KeytarSecretStore without a Secret Service', () => {
  it('fails with KEYCHAIN_UNAVAILABLE instead of crashing', () => {
    // A child process with no session bus: what a desktop without a keyring looks like to libsecret.
    const script = `
      import { KeytarSecretStore } from './src/main/services/secret-store.ts';
      try { await new KeytarSecretStore().set('vigil-test', 'x'); console.log('STORED'); }
      catch (e) { console.log(e.code + ' ' + e.message); }
    `;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/vigil-bus',
    };
    delete env.DISPLAY;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stdout).toMatch(/^KEYCHAIN_UNAVAILABLE The OS keychain cannot be used: /);
  });
});
