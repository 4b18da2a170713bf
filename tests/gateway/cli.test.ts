import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SecretBox } from '../../src/gateway/crypto/secrets';
import { dataPaths, loadMasterKey } from '../../src/gateway/datadir';
import { credentialContext } from '../../src/gateway/services/admin';
import { generateEd25519KeyPair } from '../../src/gateway/ssh/keys';
import { makeTempDir, runGatewayCli, withDataDir } from '../support/gateway';
import { createDatabaseFor, databaseUrlOf, openSqlAccess } from '../support/testDatabase';

/** The administration CLI, run as the real binary against a data folder. */
let dataDir: string;
let database: Awaited<ReturnType<typeof createDatabaseFor>>;
const cli = (args: string[], stdin?: string) => runGatewayCli([...args, '--data', dataDir], { stdin });

beforeAll(async () => {
  dataDir = join(makeTempDir('vigil-cli-'), 'data');
  database = await createDatabaseFor(dataDir);
});

afterAll(async () => {
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
  await database.drop();
});

/** Rows of a table the repositories do not list, counted over a connection of the test's own. */
async function countRows(table: string): Promise<number> {
  const access = await openSqlAccess({
    url: databaseUrlOf(dataDir),
    sqlitePath: dataPaths(dataDir).database,
  });
  try {
    return await access.count(table);
  } finally {
    await access.close();
  }
}

describe('vigil-gateway CLI', () => {
  test('--help lists every command', async () => {
    const res = await runGatewayCli(['--help']);
    expect(res.code).toBe(0);
    for (const words of [
      'serve',
      'user add',
      'user list',
      'role grant',
      'role revoke',
      'target add',
      'credential add',
      'access grant',
      'user disable',
      'user enable',
      'user remove',
      'user key remove',
      'access revoke',
      'credential remove',
      'target remove',
    ]) {
      expect(res.stdout).toContain(words);
    }
  });

  test('user add with --password-stdin and with a generated password; user list', async () => {
    const added = await cli(
      ['user', 'add', 'ana', '--name', 'Ana Lima', '--role', 'PAM Auditor', '--password-stdin'],
      'ana-secret-123\n',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toBe('Created user ana (PAM Auditor)\n');
    const generated = await cli(['user', 'add', 'olga', '--name', 'Olga Souza', '--role', 'Operator']);
    expect(generated.code).toBe(0);
    const password = /Password for olga, shown only now: (\S+)/.exec(generated.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const { verifyPassword } = await import('../../src/gateway/crypto/passwords');
    await withDataDir(dataDir, async (store) => {
      expect(
        await verifyPassword('ana-secret-123', (await store.users.findByLogin('ana'))!.passwordHash),
      ).toBe(true);
      expect(await verifyPassword(password!, (await store.users.findByLogin('olga'))!.passwordHash)).toBe(
        true,
      );
    });

    const list = await cli(['user', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+LOGIN\s+NAME\s+STATUS\s+ROLES$/);
    expect(list.stdout).toMatch(/ana\s+Ana Lima\s+active\s+PAM Auditor/);
    expect(list.stdout).toMatch(/olga\s+Olga Souza\s+active\s+Operator/);
  });

  test('refuses bad users clearly, with a non-zero exit and no change', async () => {
    const dup = await cli(['user', 'add', 'ANA', '--name', 'Again', '--role', 'PAM Auditor']);
    expect(dup).toMatchObject({ code: 1, stdout: '' });
    expect(dup.stderr).toContain('User ANA already exists');
    const role = await cli(['user', 'add', 'bob', '--name', 'Bob', '--role', 'Auditor']);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain(
      'Unknown role "Auditor". Roles: PAM Administrator, PAM Auditor, System Administrator, Operator',
    );
    const badLogin = await cli(['user', 'add', 'bob@x', '--name', 'Bob', '--role', 'Operator']);
    expect(badLogin.code).toBe(1);
    const short = await cli(
      ['user', 'add', 'bob', '--name', 'Bob', '--role', 'Operator', '--password-stdin'],
      'short\n',
    );
    expect(short.stderr).toContain('at least 8 characters');
    const missing = await cli(['user', 'add', 'bob', '--role', 'Operator']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('user add needs --name');
    const unknownOption = await cli(['user', 'list', '--role', 'x']);
    expect(unknownOption.code).toBe(2);
    const unknownCommand = await cli(['user', 'delete', 'ana']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "user delete ana"');
    await withDataDir(dataDir, async (store) => expect(await store.users.findByLogin('bob')).toBeNull());
  });

  test('role grant / revoke', async () => {
    const grant = await cli(['role', 'grant', 'PAM Auditor', 'PAM.SessionManagement.Drop']);
    expect(grant).toMatchObject({ code: 0, stdout: 'Granted PAM.SessionManagement.Drop to PAM Auditor\n' });
    expect((await cli(['role', 'grant', 'PAM Auditor', 'PAM.SessionManagement.Drop'])).stdout).toContain(
      'already had',
    );
    const revoke = await cli(['role', 'revoke', 'PAM Auditor', 'PAM.SessionManagement.Logs']);
    expect(revoke.stdout).toBe('Revoked PAM.SessionManagement.Logs from PAM Auditor\n');
    await withDataDir(dataDir, async (store) =>
      expect(await store.users.permissionsOf('PAM Auditor')).toEqual([
        'PAM.SessionManagement.Livestream',
        'PAM.SessionManagement.Recording',
        'PAM.SessionManagement.Drop',
      ]),
    );
    const bad = await cli(['role', 'grant', 'PAM Auditor', 'PAM.Everything']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Unknown permission "PAM.Everything"');
  });

  test('target add, credential add (encrypted at rest), access grant', async () => {
    const target = await cli([
      'target',
      'add',
      'web-01',
      '--protocol',
      'ssh',
      '--host',
      '127.0.0.1',
      '--port',
      '22',
    ]);
    expect(target).toMatchObject({ code: 0, stdout: 'Added target web-01 (ssh 127.0.0.1:22)\n' });
    expect(
      (await cli(['target', 'add', 'web-01', '--protocol', 'ssh', '--host', '127.0.0.1', '--port', '22']))
        .stderr,
    ).toContain('already exists');
    expect(
      (await cli(['target', 'add', 'web-02', '--protocol', 'telnet', '--host', 'h', '--port', '23'])).stderr,
    ).toContain('ssh or rdp');
    expect(
      (await cli(['target', 'add', 'web-02', '--protocol', 'ssh', '--host', 'h', '--port', '70000'])).stderr,
    ).toContain('--port');

    const secret = 'Sup3r$ecret root pw';
    const cred = await cli(['credential', 'add', 'web-01', 'root', '--password-stdin'], `${secret}\n`);
    expect(cred).toMatchObject({ code: 0, stdout: 'Stored the credential of root on web-01 (encrypted)\n' });
    expect((await cli(['credential', 'add', 'nowhere', 'root', '--password-stdin'], 'x\n')).stderr).toContain(
      'Unknown target nowhere',
    );
    expect((await cli(['credential', 'add', 'web-01', 'root'])).code).toBe(2);

    await withDataDir(dataDir, async (store) => {
      const t = (await store.targets.findTarget('web-01'))!;
      const blob = (await store.targets.findCredential(t.id, 'root'))!.secret;
      expect(blob.includes(Buffer.from(secret))).toBe(false);
      const box = new SecretBox(loadMasterKey(dataPaths(dataDir)));
      expect(box.open(blob, credentialContext(t.id, 'root'))).toBe(secret);
      expect(() => box.open(blob, credentialContext(t.id, 'admin'))).toThrow();
    });
    expect(statSync(dataPaths(dataDir).masterKey).mode & 0o777).toBe(0o600);

    const grant = await cli(['access', 'grant', 'olga', 'web-01', 'root']);
    expect(grant).toMatchObject({ code: 0, stdout: 'Granted olga access to root@web-01\n' });
    expect((await cli(['access', 'grant', 'olga', 'web-01', 'admin'])).stderr).toContain(
      'No credential for account admin',
    );
    expect((await cli(['access', 'grant', 'nobody', 'web-01', 'root'])).stderr).toContain(
      'Unknown user nobody',
    );
  });
  test('user disable ends the tokens and refuses the login; user enable lets it in again', async () => {
    await withDataDir(dataDir, async (store) => {
      const olga = (await store.users.findByLogin('olga'))!.id;
      await store.identity.insertToken('olga-token-hash', olga, Date.now(), Date.now() + 3_600_000, null);
    });
    const disabled = await cli(['user', 'disable', 'olga']);
    expect(disabled).toMatchObject({
      code: 0,
      stdout: 'Disabled olga: its logins, tokens and live sessions are ended\n',
    });
    expect((await cli(['user', 'disable', 'olga'])).stdout).toBe('olga was already disabled\n');
    await withDataDir(dataDir, async (store) => {
      expect(await store.users.findByLogin('olga')).toBeNull();
      expect((await store.identity.findToken('olga-token-hash'))!.revokedAt).not.toBeNull();
      expect((await store.events.list({ type: 'User disabled' }, 0, 10)).items).toMatchObject([
        { actor: null, note: 'Disabled olga; ended 1 login token(s)' },
      ]);
    });
    expect((await cli(['user', 'list'])).stdout).toMatch(/olga\s+Olga Souza\s+disabled\s+Operator/);

    expect((await cli(['user', 'enable', 'olga'])).stdout).toBe('Enabled olga\n');
    expect((await cli(['user', 'enable', 'olga'])).stdout).toBe('olga was not disabled\n');
    await withDataDir(dataDir, async (store) => {
      expect(await store.users.findByLogin('olga')).not.toBeNull();
      // Enabling does not bring an ended token back.
      expect((await store.identity.findToken('olga-token-hash'))!.revokedAt).not.toBeNull();
    });
    expect((await cli(['user', 'disable', 'nobody'])).stderr).toContain('Unknown user nobody');
  });

  test('access revoke, user key remove, credential remove and target remove', async () => {
    const keyDir = makeTempDir('vigil-cli-key-');
    const keyFile = join(keyDir, 'olga.pub');
    writeFileSync(keyFile, `${generateEd25519KeyPair('olga@laptop').public}\n`);
    expect((await cli(['user', 'key', 'add', 'olga', keyFile])).code).toBe(0);
    rmSync(keyDir, { recursive: true, force: true });

    expect(await cli(['access', 'revoke', 'olga', 'web-01', 'root'])).toMatchObject({
      code: 0,
      stdout: 'Revoked the access of olga to root@web-01\n',
    });
    expect((await cli(['access', 'revoke', 'olga', 'web-01', 'root'])).stderr).toContain(
      'olga has no access to root@web-01',
    );
    const removedKey = await cli(['user', 'key', 'remove', 'olga', 'olga@laptop']);
    expect(removedKey.stdout).toMatch(/^Removed the SSH key SHA256:\S+ of olga\n$/);
    expect((await cli(['user', 'key', 'list', 'olga'])).stdout).toBe('olga has no SSH keys\n');
    expect((await cli(['user', 'key', 'remove', 'olga', 'olga@laptop'])).code).toBe(1);

    expect((await cli(['access', 'grant', 'olga', 'web-01', 'root'])).code).toBe(0);
    expect(await cli(['credential', 'remove', 'web-01', 'root'])).toMatchObject({
      code: 0,
      stdout: 'Removed the credential of root on web-01 and its access grants\n',
    });
    await withDataDir(dataDir, async (store) => {
      const target = (await store.targets.findTarget('web-01'))!;
      expect(await store.targets.findCredential(target.id, 'root')).toBeNull();
    });
    expect(await countRows('access_grants')).toBe(0);
    expect(await cli(['target', 'remove', 'web-01'])).toMatchObject({
      code: 0,
      stdout: 'Removed target web-01 with its credentials and access grants\n',
    });
    expect((await cli(['target', 'remove', 'web-01'])).stderr).toContain('Unknown target web-01');
    await withDataDir(dataDir, async (store) => {
      expect(await store.targets.findTarget('web-01')).toBeNull();
      expect((await store.events.list({ type: 'Access revoked' }, 0, 10)).items.map((e) => e.note)).toEqual([
        'Removed the target web-01, its credentials and access grants',
        'Removed the credential root@web-01 and its access grants',
        expect.stringMatching(/^Removed the SSH key\(s\) SHA256:\S+ of olga$/),
        'Revoked the access of olga to root@web-01',
      ]);
    });
  });

  test('user remove keeps the history: sessions and events still name the user', async () => {
    await withDataDir(dataDir, async (store) => {
      const olga = (await store.users.findByLogin('olga'))!.id;
      await store.sessions.insert({
        hash: 'olga-session',
        userId: olga,
        originIp: '10.0.0.9',
        credential: 'root',
        device: 'web-01',
        protocol: 'ssh',
        proxy: 'SSH Proxy',
        status: 'finished',
        startedAt: Date.now() - 1000,
        endedAt: Date.now(),
        durationMs: 1000,
      });
    });
    expect(await cli(['user', 'remove', 'olga'])).toMatchObject({
      code: 0,
      stdout: 'Removed olga: its sessions and events stay in the audit trail\n',
    });
    expect((await cli(['user', 'remove', 'olga'])).stderr).toContain('User olga was removed');
    expect((await cli(['user', 'enable', 'olga'])).stderr).toContain('User olga was removed');
    // The login stays taken, so the history never names two people.
    expect((await cli(['user', 'add', 'olga', '--name', 'Other', '--role', 'Operator'])).stderr).toContain(
      'User olga already exists',
    );
    expect((await cli(['user', 'list'])).stdout).toMatch(/olga\s+Olga Souza\s+removed\s+Operator/);
    await withDataDir(dataDir, async (store) => {
      expect(await store.users.findByLogin('olga')).toBeNull();
      const olga = (await store.users.findAnyByLogin('olga'))!;
      const session = (await store.sessions.list({}, { kind: 'all' }, olga.id, 0, 10)).items;
      expect(session).toMatchObject([{ hash: 'olga-session', user: { login: 'olga', name: 'Olga Souza' } }]);
      expect((await store.events.list({ type: 'User removed' }, 0, 10)).items).toHaveLength(1);
    });
  });
});
