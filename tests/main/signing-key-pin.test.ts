import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/main/services';
import { keyId } from '../../src/recording/manifest';

const newKey = () => {
  const publicKey = generateKeyPairSync('ed25519').publicKey;
  return { keyId: keyId(publicKey), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const AT = new Date('2026-04-01T10:00:00Z');

describe('the signing key pinned in a gateway profile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-signing-pin-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is kept across restarts, and a second key is refused until the first is forgotten', () => {
    const store = new ProfileStore(dir);
    const profile = store.save({ name: 'Main', url: 'https://gw.example:8443' });
    const first = newKey();
    store.trustSigningKey(profile.id, first, AT);
    expect(new ProfileStore(dir).get(profile.id).signingKey).toEqual({
      ...first,
      trustedAt: AT.toISOString(),
    });
    expect(() => store.trustSigningKey(profile.id, newKey(), AT)).toThrow(/forget it first/);
    store.forgetSigningKey(profile.id);
    const second = newKey();
    expect(store.trustSigningKey(profile.id, second, AT).signingKey?.keyId).toBe(second.keyId);
  });

  it('is forgotten with the certificate when the profile points to another address, kept on a rename', () => {
    const store = new ProfileStore(dir);
    const profile = store.save({ name: 'Main', url: 'https://gw.example:8443' });
    store.trustSigningKey(profile.id, newKey(), AT);
    expect(
      store.save({ id: profile.id, name: 'Renamed', url: 'https://gw.example:8443' }).signingKey,
    ).toBeDefined();
    const moved = store.save({ id: profile.id, name: 'Renamed', url: 'https://other.example:8443' });
    expect(moved.signingKey).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, 'profiles.json'), 'utf8')).profiles[0]).not.toHaveProperty(
      'signingKey',
    );
  });

  it('reads a profiles file written before signing keys existed', () => {
    writeFileSync(
      join(dir, 'profiles.json'),
      JSON.stringify({
        version: 1,
        profiles: [{ id: 'p1', name: 'Old', url: 'https://gw.example', fingerprint: null, lastLogin: null }],
      }),
    );
    expect(new ProfileStore(dir).get('p1').signingKey).toBeUndefined();
  });
});
