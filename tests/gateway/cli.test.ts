import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SecretBox } from '../../src/gateway/crypto/secrets';
import { dataPaths, loadMasterKey } from '../../src/gateway/datadir';
import { credentialContext } from '../../src/gateway/services/admin';
import { makeTempDir, runGatewayCli, withDataDir } from '../support/gateway';

/** The administration CLI of SPEC §11, run as the real binary against a data folder. */
let dataDir: string;
const cli = (args: string[], stdin?: string) => runGatewayCli([...args, '--data', dataDir], { stdin });

beforeAll(() => {
  dataDir = join(makeTempDir('vigil-cli-'), 'data');
});

afterAll(() => {
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
});

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
      expect(await verifyPassword('ana-secret-123', store.users.findByLogin('ana')!.passwordHash)).toBe(true);
      expect(await verifyPassword(password!, store.users.findByLogin('olga')!.passwordHash)).toBe(true);
    });

    const list = await cli(['user', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+LOGIN\s+NAME\s+ROLES$/);
    expect(list.stdout).toMatch(/ana\s+Ana Lima\s+PAM Auditor/);
    expect(list.stdout).toMatch(/olga\s+Olga Souza\s+Operator/);
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
    await withDataDir(dataDir, (store) => expect(store.users.findByLogin('bob')).toBeNull());
  });

  test('role grant / revoke', async () => {
    const grant = await cli(['role', 'grant', 'PAM Auditor', 'PAM.SessionManagement.Drop']);
    expect(grant).toMatchObject({ code: 0, stdout: 'Granted PAM.SessionManagement.Drop to PAM Auditor\n' });
    expect((await cli(['role', 'grant', 'PAM Auditor', 'PAM.SessionManagement.Drop'])).stdout).toContain(
      'already had',
    );
    const revoke = await cli(['role', 'revoke', 'PAM Auditor', 'PAM.SessionManagement.Logs']);
    expect(revoke.stdout).toBe('Revoked PAM.SessionManagement.Logs from PAM Auditor\n');
    await withDataDir(dataDir, (store) =>
      expect(store.users.permissionsOf('PAM Auditor')).toEqual([
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

    await withDataDir(dataDir, (store) => {
      const t = store.targets.findTarget('web-01')!;
      const blob = store.targets.findCredential(t.id, 'root')!.secret;
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
});
