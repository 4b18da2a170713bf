import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthService, tokenAccount } from '../../src/main/services/auth-service';
import { ProfileStore, normalizeGatewayUrl } from '../../src/main/services/profile-store';
import { KeytarSecretStore } from '../../src/main/services/secret-store';
import { missingKeyring } from '../support/programs';

const FP = 'AB:'.repeat(31) + 'CD';

describe('ProfileStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-profiles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty and creates profiles with a canonical URL', () => {
    const store = new ProfileStore(dir);
    expect(store.list()).toEqual([]);
    const created = store.save({ name: '  Production  ', url: 'HTTPS://Gateway.Example.com:8443/' });
    expect(created).toMatchObject({
      name: 'Production',
      url: 'https://gateway.example.com:8443',
      fingerprint: null,
      lastLogin: null,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.list()).toEqual([created]);
  });

  it('persists pins and last logins across instances in a private file without secrets', () => {
    const store = new ProfileStore(dir);
    const { id } = store.save({ name: 'Local', url: 'https://127.0.0.1:8443' });
    store.pin(id, FP.toLowerCase());
    store.setLastLogin(id, 'auditor');
    const reloaded = new ProfileStore(dir).get(id);
    expect(reloaded).toEqual({
      id,
      name: 'Local',
      url: 'https://127.0.0.1:8443',
      fingerprint: FP,
      lastLogin: 'auditor',
    });
    const file = join(dir, 'profiles.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/password|token/i);
    expect(readdirSync(dir)).toEqual(['profiles.json']);
  });

  it('keeps the pin when only the name changes and forgets it when the URL changes', () => {
    const store = new ProfileStore(dir);
    const { id } = store.save({ name: 'A', url: 'https://a.example' });
    store.pin(id, FP);
    expect(store.save({ id, name: 'B', url: 'https://a.example/' }).fingerprint).toBe(FP);
    expect(store.save({ id, name: 'B', url: 'https://b.example' }).fingerprint).toBeNull();
  });

  it('forgets a certificate on request', () => {
    const store = new ProfileStore(dir);
    const { id } = store.save({ name: 'A', url: 'https://a.example' });
    store.pin(id, FP);
    expect(store.forgetCertificate(id).fingerprint).toBeNull();
    expect(new ProfileStore(dir).get(id).fingerprint).toBeNull();
  });

  it('trusts a first certificate, but never replaces a pinned one that way', () => {
    const store = new ProfileStore(dir);
    const { id } = store.save({ name: 'A', url: 'https://a.example' });
    expect(store.trust(id, FP.toLowerCase()).fingerprint).toBe(FP);
    expect(store.trust(id, FP).fingerprint).toBe(FP);
    const other = FP.replace(/^../, 'EE');
    expect(() => store.trust(id, other)).toThrow(/forget it first/);
    expect(new ProfileStore(dir).get(id).fingerprint).toBe(FP);
  });

  it('ensure() adds a profile for a URL only once', () => {
    const store = new ProfileStore(dir);
    const first = store.ensure('Local gateway', 'https://127.0.0.1:8443');
    const again = store.ensure('Local gateway', 'https://127.0.0.1:8443/');
    expect(again.id).toBe(first.id);
    expect(store.list()).toHaveLength(1);
  });

  it.each([
    ['http://gateway.example', /must start with https/],
    ['gateway.example:8443', /must start with https|not a valid URL/],
    ['not a url', /not a valid URL/],
    ['https://user:pw@gateway.example', /user name or password/],
    ['https://gateway.example/api', /without a path/],
    ['https://gateway.example/?x=1', /without a path/],
  ])('rejects %s with a clear message', (url, message) => {
    const store = new ProfileStore(dir);
    expect(() => store.save({ name: 'X', url })).toThrow(message);
    expect(() => normalizeGatewayUrl(url)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(store.list()).toEqual([]);
  });

  it('rejects empty and overlong names', () => {
    const store = new ProfileStore(dir);
    expect(() => store.save({ name: '   ', url: 'https://a.example' })).toThrow(/needs a name/);
    expect(() => store.save({ name: 'x'.repeat(101), url: 'https://a.example' })).toThrow(/at most 100/);
  });

  it('reports unknown profiles with PROFILE_NOT_FOUND', () => {
    const store = new ProfileStore(dir);
    expect(() => store.get('nope')).toThrow(expect.objectContaining({ code: 'PROFILE_NOT_FOUND' }));
    expect(() => store.remove('nope')).toThrow(expect.objectContaining({ code: 'PROFILE_NOT_FOUND' }));
  });

  it('removes profiles', () => {
    const store = new ProfileStore(dir);
    const a = store.save({ name: 'A', url: 'https://a.example' });
    const b = store.save({ name: 'B', url: 'https://b.example' });
    store.remove(a.id);
    expect(new ProfileStore(dir).list()).toEqual([b]);
  });

  it('refuses to use a damaged file rather than silently dropping pinned certificates', () => {
    const file = join(dir, 'profiles.json');
    writeFileSync(file, '{"version":1,"profiles":[{"id":');
    expect(() => new ProfileStore(dir).list()).toThrow(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ version: 1, profiles: [{ id: 'x' }] }));
    expect(() => new ProfileStore(dir).list()).toThrow(/unexpected layout/);
    expect(readFileSync(file, 'utf8')).toContain('"id":"x"');
  });
});

const noKeyring = missingKeyring();

describe.skipIf(noKeyring !== null)(
  `A profile's kept token and its URL${noKeyring ? ` (skipped: ${noKeyring})` : ''}`,
  () => {
    let dir: string;
    let profiles: ProfileStore;
    let secrets: KeytarSecretStore;
    let auth: AuthService;
    let id: string;
    const kept = () => secrets.get(tokenAccount(id));

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'vigil-profiles-'));
      profiles = new ProfileStore(dir);
      // A service of its own, so the test never meets the app's real entries.
      secrets = new KeytarSecretStore(`Vigil test ${randomUUID()}`);
      auth = new AuthService({ profiles, secrets, events: () => undefined, timeoutMs: 2_000 });
      id = profiles.save({ name: 'A', url: 'https://a.example' }).id;
      profiles.pin(id, FP);
      const token = { token: 'kept-token', expiresAt: '2999-01-01T00:00:00.000Z', url: 'https://a.example' };
      await secrets.set(tokenAccount(id), JSON.stringify(token));
    });
    afterEach(async () => {
      await secrets.delete(tokenAccount(id));
      rmSync(dir, { recursive: true, force: true });
    });

    it('editing the URL forgets the kept token and the certificate pinned for the old one', async () => {
      const saved = await auth.saveProfile({ id, name: 'A', url: 'https://b.example' });
      expect(saved).toMatchObject({ url: 'https://b.example', fingerprint: null });
      expect(await kept()).toBeNull();
      // Nothing is left to resume with, so nothing is sent to the new server.
      expect(await auth.resume(id)).toBeNull();
    });

    it('renaming keeps the token and the pin', async () => {
      const saved = await auth.saveProfile({ id, name: 'Renamed', url: 'https://A.example/' });
      expect(saved).toMatchObject({ name: 'Renamed', fingerprint: FP });
      expect(await kept()).not.toBeNull();
    });

    it('an invalid new URL changes nothing', async () => {
      await expect(auth.saveProfile({ id, name: 'A', url: 'http://b.example' })).rejects.toThrow(/https/);
      expect(await kept()).not.toBeNull();
      expect(profiles.get(id).fingerprint).toBe(FP);
    });

    it('a kept token is never offered to a URL other than the one it came from', async () => {
      // As if profiles.json had been edited by hand: the store alone does not touch the keychain.
      profiles.save({ id, name: 'A', url: 'https://b.example' });
      expect(await kept()).not.toBeNull();
      expect(await auth.resume(id)).toBeNull();
      expect(await kept()).toBeNull();
    });
  },
);
