import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { generateEd25519KeyPair } from '../../src/gateway/ssh/keys';
import { PROXY_MESSAGES } from '../../src/gateway/ssh/messages';
import { runGatewayCli } from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { waitFor, waitForValue } from '../support/wait';
import { connectOperator, openShell, startTestbed, TARGET_NAME, type Testbed } from './sshTestbed';

/**
 * Taking access away while the gateway runs: the administration CLI is another process writing
 * the same database, and the serving gateway must end what it revoked (real sshd target).
 */
const skip = sshdSkipReason();
const PASSWORD = 'operator-password-1';

describe.skipIf(skip !== null)(`Access taken away${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let bed: Testbed;
  const clients: Client[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    bed = await startTestbed(sshd);
  });
  afterAll(async () => {
    for (const c of clients) c.end();
    await bed?.stop();
    await sshd?.stop();
  });

  const cli = (...args: string[]) => runGatewayCli([...args, '--data', bed.dataDir]);
  const route = () => `${sshd.user}@${TARGET_NAME}`;

  async function operator(login: string): Promise<Client> {
    const client = await connectOperator(bed.sshPort, `${login}@${route()}`, { password: PASSWORD });
    clients.push(client);
    return client;
  }

  async function shellOf(login: string, userId: number) {
    const term = await openShell(await operator(login));
    term.send('echo READY-$((20+22))\r');
    await term.waitFor('READY-42');
    const live = await waitForValue(
      () => bed.gateway.hub.list().find((s) => s.operatorUserId === userId),
      'the operator live session',
    );
    return { term, sessionId: live.sessionId };
  }

  const api = (method: 'GET' | 'POST', url: string, options: { token?: string; payload?: object } = {}) =>
    bed.gateway.app.inject({
      method,
      url: `/api/v1${url}`,
      payload: options.payload,
      headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    });

  const events = async (type: 'User disabled' | 'Access revoked') =>
    (await bed.store.events.list({ type }, 0, 100)).items;

  it('a disabled user is disconnected from its live session, logged out, and refused over HTTP and SSH', async () => {
    const id = await bed.addUser('dora', PASSWORD);
    await bed.admin.grantAccess('dora', TARGET_NAME, sshd.user);
    const key = generateEd25519KeyPair('dora@laptop');
    await bed.sshAdmin.addUserKeys('dora', key.public);
    const login = await api('POST', '/auth/login', { payload: { username: 'dora', password: PASSWORD } });
    expect(login.statusCode, login.body).toBe(200);
    const token = (login.json() as { token: string }).token;
    const { term, sessionId } = await shellOf('dora', id);

    expect((await cli('user', 'disable', 'dora')).code).toBe(0);

    await term.waitFor(OPERATOR_MESSAGES.dropped);
    await term.closed;
    await waitFor(
      async () => (await bed.store.sessions.get(sessionId, id))!.status === 'finished',
      'the session row to finish',
    );
    expect(await events('User disabled')).toMatchObject([
      { actor: null, note: expect.stringContaining('dora') },
    ]);
    expect(await events('Access revoked')).toContainEqual(
      expect.objectContaining({ sessionId, note: 'Session ended: dora was disabled or removed' }),
    );

    expect((await api('GET', '/me', { token })).statusCode).toBe(401);
    const again = await api('POST', '/auth/login', { payload: { username: 'dora', password: PASSWORD } });
    expect(again.statusCode).toBe(401);
    await expect(operator('dora')).rejects.toThrow(/authentication/i);
    await expect(
      connectOperator(bed.sshPort, `dora@${route()}`, { privateKey: key.private }),
    ).rejects.toThrow(/authentication/i);

    expect((await cli('user', 'enable', 'dora')).code).toBe(0);
    const back = await shellOf('dora', id);
    expect(back.sessionId).not.toBe(sessionId);
    back.term.send('exit\r');
    await back.term.closed;
  });

  it('revoking an access grant disconnects the session on that account and refuses the next one', async () => {
    const id = await bed.addUser('rita', PASSWORD);
    await bed.admin.grantAccess('rita', TARGET_NAME, sshd.user);
    const { term, sessionId } = await shellOf('rita', id);

    expect((await cli('access', 'revoke', 'rita', TARGET_NAME, sshd.user)).code).toBe(0);

    await term.waitFor(OPERATOR_MESSAGES.dropped);
    await term.closed;
    await waitFor(
      async () => (await bed.store.sessions.get(sessionId, id))!.status === 'finished',
      'the session row to finish',
    );
    expect(await events('Access revoked')).toContainEqual(
      expect.objectContaining({
        sessionId,
        note: `Session ended: rita no longer has access to ${sshd.user}@${TARGET_NAME}`,
      }),
    );
    const refused = await openShell(await operator('rita'));
    await refused.waitFor(PROXY_MESSAGES.accessNotGranted('rita', sshd.user, TARGET_NAME));
    await refused.closed;
  });
});
